// The pod-template-hash: FNV-32a over the template (keys in a fixed order)
// and the collision count, its decimal digits mapped onto kube's
// vowel-free alphabet as rand.SafeEncodeString does.
import type { V1PodTemplateSpec } from "@kubernetes/client-node";

export const templateHashLabel = "pod-template-hash";
const alphabet = "bcdf2456789ghjklmnpqrstvwxz"; // kube's rand.alphanums order

/** JSON with sorted keys and without undefined, so equal templates read equal whatever their origin. */
export function canonicalJson(value: unknown): string {
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
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
