// Helpers for the server-side Table columns `kubectl get` prints.
import type { Column, KubeObject } from "./types.ts";

/** Kubernetes' HumanDuration: 45s, 5m10s, 3h, 4d, 2y... */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 24 * 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 365 * 2) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}

export function age(obj: KubeObject, now: number): string {
  const t = obj.metadata.creationTimestamp;
  return t === undefined ? "<unknown>" : humanDuration(now - Date.parse(t));
}

export const nameColumn: Column = {
  name: "Name",
  type: "string",
  format: "name",
  description: "Name must be unique within a namespace.",
  cell: (o) => o.metadata.name ?? "",
};

export const ageColumn: Column = {
  name: "Age",
  type: "string",
  description: "CreationTimestamp is a timestamp representing the server time when this object was created.",
  cell: age,
};

/** Reads a dotted path from an object ("spec.nodeName"). */
export function at(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split(".")) {
    if (typeof cur !== "object" || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

export function str(obj: unknown, path: string, fallback = ""): string {
  const v = at(obj, path);
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : fallback;
}

export function num(obj: unknown, path: string, fallback = 0): number {
  const v = at(obj, path);
  return typeof v === "number" ? v : fallback;
}

export function col(name: string, cell: Column["cell"], opts: Partial<Omit<Column, "name" | "cell">> = {}): Column {
  return { name, type: "string", ...opts, cell };
}

export function labelSelectorString(selector: unknown): string {
  if (typeof selector !== "object" || selector === null) return "<none>";
  const s = selector as { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };
  const parts = Object.entries(s.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of s.matchExpressions ?? []) {
    const op = e.operator.toLowerCase();
    if (op === "exists") parts.push(e.key);
    else if (op === "doesnotexist") parts.push(`!${e.key}`);
    else parts.push(`${e.key} ${op} (${(e.values ?? []).join(",")})`);
  }
  return parts.length === 0 ? "<none>" : parts.join(",");
}
