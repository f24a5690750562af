// Decoded protobufjs messages keep unset message fields as null on their
// prototype and carry methods; the store's request types want plain objects
// with unset fields absent. This turns one into the other, recursively.
export function plain<T>(msg: unknown): T {
  return strip(msg) as T;
}

function strip(v: unknown): unknown {
  if (v === null || v === undefined) return undefined;
  if (v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map(strip);
  if (typeof v !== "object") return v;
  const out: Record<string, unknown> = {};
  for (const k in v as Record<string, unknown>) {
    if (k.startsWith("$")) continue;
    const value = (v as Record<string, unknown>)[k];
    if (value === null || value === undefined || typeof value === "function") continue;
    out[k] = strip(value);
  }
  return out;
}
