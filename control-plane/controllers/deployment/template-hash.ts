// The pod-template-hash: FNV-32a over the template (keys in a fixed order)
// and the collision count, its decimal digits mapped onto kube's
// vowel-free alphabet as rand.SafeEncodeString does.
import type { V1PodTemplateSpec } from "@kubernetes/client-node";

export const templateHashLabel = "pod-template-hash";
const alphabet = "bcdf2456789ghjklmnpqrstvwxz"; // kube's rand.alphanums order

/** Absent in the sense of Go's typed objects, where null, [] and {} decode to the zero value (kube's semantic equality). */
function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === "object" && !(v instanceof Date) && Object.values(v as Record<string, unknown>).every(isEmpty);
}

/**
 * JSON with sorted keys and without empty fields, so equal templates read
 * equal whatever their origin: kubectl's rollback writes
 * `creationTimestamp: null` into the template, which the ReplicaSet lacks.
 */
export function canonicalJson(value: unknown): string {
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => !isEmpty(v))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function fnv32a(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, "utf8")) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function templateHash(template: V1PodTemplateSpec | undefined, collisionCount?: number): string {
  const text = canonicalJson(template ?? {}) + (collisionCount === undefined ? "" : `#${collisionCount}`);
  return [...String(fnv32a(text))].map((c) => alphabet[c.charCodeAt(0) % alphabet.length]).join("");
}

function withoutHash(template: V1PodTemplateSpec | undefined): V1PodTemplateSpec {
  const t = structuredClone(template ?? {});
  if (t.metadata?.labels !== undefined) {
    delete t.metadata.labels[templateHashLabel];
    if (Object.keys(t.metadata.labels).length === 0) delete t.metadata.labels;
  }
  return t;
}

/** kube's EqualIgnoreHash: templates equal apart from the pod-template-hash label. */
export function equalIgnoringHash(a: V1PodTemplateSpec | undefined, b: V1PodTemplateSpec | undefined): boolean {
  return canonicalJson(withoutHash(a)) === canonicalJson(withoutHash(b));
}
