// The JSONPath subset CRD printer columns and scale paths use:
// `.spec.replicas`, `.status.items[0].name`,
// `.status.conditions[?(@.type=="Ready")].status`, optionally in `{...}`.

type Step = { field: string } | { index: number } | { filter: { key: string; value: string } };

export class JsonPathError extends Error {}

export function parseJsonPath(text: string): Step[] {
  let rest = text.trim();
  if (rest.startsWith("{") && rest.endsWith("}")) rest = rest.slice(1, -1).trim();
  if (rest.startsWith("$")) rest = rest.slice(1);
  const steps: Step[] = [];
  const token = /^\.([A-Za-z0-9_-]+)|^\[(\d+)\]|^\[\?\(@\.([A-Za-z0-9_-]+)\s*==\s*["']([^"']*)["']\)\]|^\[['"]([^'"]+)['"]\]/;
  while (rest !== "") {
    const m = token.exec(rest);
    if (m === null) throw new JsonPathError(`unsupported JSONPath ${JSON.stringify(text)}`);
    if (m[1] !== undefined) steps.push({ field: m[1] });
    else if (m[2] !== undefined) steps.push({ index: Number(m[2]) });
    else if (m[3] !== undefined) steps.push({ filter: { key: m[3], value: m[4]! } });
    else steps.push({ field: m[5]! });
    rest = rest.slice(m[0].length);
  }
  return steps;
}

/** The first value the path reaches, or undefined. */
export function evaluateJsonPath(steps: Step[], value: unknown): unknown {
  let cur = value;
  for (const step of steps) {
    if ("field" in step) {
      if (typeof cur !== "object" || cur === null || Array.isArray(cur)) return undefined;
      cur = (cur as Record<string, unknown>)[step.field];
    } else if ("index" in step) {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[step.index];
    } else {
      if (!Array.isArray(cur)) return undefined;
      cur = cur.find((item) => typeof item === "object" && item !== null && String((item as Record<string, unknown>)[step.filter.key]) === step.filter.value);
    }
  }
  return cur;
}

/** Sets the value at a path of fields (scale's specReplicasPath), creating objects on the way. */
export function setJsonPath(steps: Step[], target: Record<string, unknown>, value: unknown): void {
  let cur = target;
  steps.forEach((step, i) => {
    if (!("field" in step)) throw new JsonPathError("only field paths can be written");
    if (i === steps.length - 1) cur[step.field] = value;
    else {
      const next = cur[step.field];
      cur = typeof next === "object" && next !== null && !Array.isArray(next) ? (next as Record<string, unknown>) : (cur[step.field] = {});
    }
  });
}
