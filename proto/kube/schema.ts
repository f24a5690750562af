// The shape of Kubernetes objects, taken from @kubernetes/client-node's
// generated models (each class lists its JSON fields and their types). Used
// to find fields a kind does not have: refused under fieldValidation=Strict,
// reported under Warn, dropped otherwise, as kube-apiserver does.
import * as models from "@kubernetes/client-node/dist/gen/models/all.js";

interface Attribute {
  baseName: string;
  type: string;
}

type ModelClass = { attributeTypeMap?: Attribute[] };

const registry = models as unknown as Record<string, ModelClass | undefined>;

function attributesOf(type: string): Map<string, string> | undefined {
  const cls = registry[type];
  if (cls?.attributeTypeMap === undefined) return undefined;
  return new Map(cls.attributeTypeMap.map((a) => [a.baseName, a.type]));
}

const cache = new Map<string, Map<string, string> | undefined>();
function fieldsOf(type: string): Map<string, string> | undefined {
  if (!cache.has(type)) cache.set(type, attributesOf(type));
  return cache.get(type);
}

/** True when the models know this type name (e.g. "V1Pod"). */
export function knownModel(type: string): boolean {
  return fieldsOf(type) !== undefined;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Removes the fields `type` does not declare from `value` (in place) and
 * returns their paths, e.g. `spec.containers[0].imagePolicy`.
 */
export function pruneUnknownFields(type: string, value: unknown, path = ""): string[] {
  const array = /^Array<(.+)>$/.exec(type);
  if (array !== null) {
    if (!Array.isArray(value)) return [];
    return value.flatMap((v, i) => pruneUnknownFields(array[1]!, v, `${path}[${i}]`));
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map !== null) {
    if (!isPlainObject(value)) return [];
    return Object.entries(value).flatMap(([k, v]) => pruneUnknownFields(map[1]!, v, path === "" ? k : `${path}.${k}`));
  }
  const fields = fieldsOf(type);
  if (fields === undefined || !isPlainObject(value)) return [];
  const unknown: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    const fieldPath = path === "" ? k : `${path}.${k}`;
    const fieldType = fields.get(k);
    if (fieldType === undefined) {
      unknown.push(fieldPath);
      delete value[k];
    } else {
      unknown.push(...pruneUnknownFields(fieldType, v, fieldPath));
    }
  }
  return unknown;
}
