// Label selectors in Kubernetes' string form: `a=b`, `a==b`, `a!=b`,
// `a in (x,y)`, `a notin (x,y)`, `a` (exists), `!a` (does not exist),
// joined by commas (all must hold).

export type Requirement =
  | { key: string; op: "in" | "notin"; values: string[] }
  | { key: string; op: "exists" | "notexists" };

export class SelectorParseError extends Error {}

const keyPattern = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const valuePattern = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function checkKey(key: string, source: string): string {
  if (!keyPattern.test(key) || key.length > 317) throw new SelectorParseError(`unable to parse requirement: invalid label key "${key}" in "${source}"`);
  return key;
}

function checkValue(value: string, source: string): string {
  if (!valuePattern.test(value) || value.length > 63) throw new SelectorParseError(`unable to parse requirement: invalid label value "${value}" in "${source}"`);
  return value;
}

/** Splits on commas that are not inside parentheses. */
function splitTop(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of s) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (depth < 0) throw new SelectorParseError(`unbalanced parentheses in "${s}"`);
    if (ch === "," && depth === 0) {
      parts.push(cur);
      cur = "";
    } else cur += ch;
  }
  if (depth !== 0) throw new SelectorParseError(`unbalanced parentheses in "${s}"`);
  parts.push(cur);
  return parts;
}

export function parseLabelSelector(selector: string): Requirement[] {
  if (selector.trim() === "") return [];
  return splitTop(selector).map((raw) => {
    const part = raw.trim();
    if (part === "") throw new SelectorParseError(`empty requirement in "${selector}"`);
    const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(part);
    if (set !== null) {
      const values = set[3]!
        .split(",")
        .map((v) => v.trim())
        .map((v) => checkValue(v, selector));
      if (values.length === 0 || (values.length === 1 && values[0] === "" && set[3]!.trim() === "")) {
        throw new SelectorParseError(`for 'in', 'notin' operators, values set can't be empty in "${selector}"`);
      }
      return { key: checkKey(set[1]!, selector), op: set[2] as "in" | "notin", values };
    }
    const cmp = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (cmp !== null) {
      const value = checkValue(cmp[3]!.trim(), selector);
      return { key: checkKey(cmp[1]!, selector), op: cmp[2] === "!=" ? "notin" : "in", values: [value] };
    }
    if (part.startsWith("!")) return { key: checkKey(part.slice(1).trim(), selector), op: "notexists" };
    return { key: checkKey(part, selector), op: "exists" };
  });
}

export function matchesLabels(requirements: Requirement[], labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return requirements.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    switch (r.op) {
      case "exists":
        return has;
      case "notexists":
        return !has;
      case "in":
        return has && r.values.includes(l[r.key]!);
      case "notin":
        return !has || !r.values.includes(l[r.key]!);
    }
  });
}

/** The string form of a structured selector ({matchLabels, matchExpressions}). */
export function formatRequirements(requirements: Requirement[]): string {
  return requirements
    .map((r) => {
      switch (r.op) {
        case "exists":
          return r.key;
        case "notexists":
          return `!${r.key}`;
        case "in":
          return r.values.length === 1 ? `${r.key}=${r.values[0]}` : `${r.key} in (${r.values.join(",")})`;
        case "notin":
          return r.values.length === 1 ? `${r.key}!=${r.values[0]}` : `${r.key} notin (${r.values.join(",")})`;
      }
    })
    .join(",");
}
