// Strategic merge patch, as `kubectl apply`, `set image` and `rollout
// restart` send it: maps merge, lists of objects merge by their merge key
// (containers by name, ports by containerPort or port, ...), other lists are
// replaced, and the directives $patch (replace, delete, merge), $retainKeys,
// $setElementOrder/<list> and $deleteFromPrimitiveList/<list> are honoured.
// No library on npm does this for Kubernetes' kinds, so it lives here.
import { type Json, deepEqual, isObject } from "./merge-patch.ts";

export class PatchError extends Error {}

/** Merge keys of Kubernetes' object lists, by field name, for the kinds skiff serves. */
const mergeKeys: Record<string, string> = {
  containers: "name",
  initContainers: "name",
  ephemeralContainers: "name",
  env: "name",
  volumes: "name",
  volumeMounts: "mountPath",
  volumeDevices: "devicePath",
  imagePullSecrets: "name",
  secrets: "name",
  conditions: "type",
  ownerReferences: "uid",
  hostAliases: "ip",
  taints: "key",
  addresses: "type",
  topologySpreadConstraints: "topologyKey",
};

/** Primitive lists whose patch strategy is "merge" (union) rather than replace. */
const mergedPrimitiveLists = new Set(["finalizers"]);

/** The merge key of list `field`, or undefined when the list is replaced whole. */
export function mergeKeyOf(field: string, items: Json[]): string | undefined {
  if (field === "ports") {
    // Container ports merge by containerPort, Service ports by port.
    return items.some((i) => isObject(i) && "containerPort" in i) ? "containerPort" : "port";
  }
  return mergeKeys[field];
}

const setOrderPrefix = "$setElementOrder/";
const deletePrimitivePrefix = "$deleteFromPrimitiveList/";

export function applyStrategicMergePatch(original: Json, patch: Json): Json {
  if (!isObject(patch)) throw new PatchError("a strategic merge patch must be a JSON object");
  return mergeMap(isObject(original) ? original : {}, patch);
}

function mergeMap(original: Record<string, Json>, patch: Record<string, Json>): Record<string, Json> {
  const directive = patch.$patch;
  if (directive === "replace") {
    const { $patch: _drop, ...rest } = patch;
    return stripDirectives(rest) as Record<string, Json>;
  }
  if (directive !== undefined && directive !== "merge" && directive !== "delete") throw new PatchError(`unknown patch type: ${JSON.stringify(directive)}`);
  const out: Record<string, Json> = { ...original };
  const orders: [string, Json[]][] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (key === "$patch" || key === "$retainKeys") continue;
    if (key.startsWith(setOrderPrefix)) {
      if (!Array.isArray(value)) throw new PatchError(`${key} must be a list`);
      orders.push([key.slice(setOrderPrefix.length), value]);
      continue;
    }
    if (key.startsWith(deletePrimitivePrefix)) {
      const field = key.slice(deletePrimitivePrefix.length);
      if (!Array.isArray(value)) throw new PatchError(`${key} must be a list`);
      const current = out[field];
      if (Array.isArray(current)) out[field] = current.filter((x) => !value.some((v) => deepEqual(v, x)));
      continue;
    }
    if (value === null) {
      delete out[key];
      continue;
    }
    const current = out[key];
    if (isObject(value)) {
      if (value.$patch === "delete") delete out[key];
      else out[key] = mergeMap(isObject(current) ? current : {}, value);
    } else if (Array.isArray(value)) {
      out[key] = mergeList(key, Array.isArray(current) ? current : [], value);
    } else {
      out[key] = value;
    }
  }
  for (const [field, order] of orders) {
    const list = out[field];
    if (Array.isArray(list)) out[field] = applyOrder(field, list, order);
  }
  const retain = patch.$retainKeys;
  if (retain !== undefined) {
    if (!Array.isArray(retain)) throw new PatchError("$retainKeys must be a list");
    for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
  }
  return out;
}

function keyValue(item: Json, key: string): Json | undefined {
  return isObject(item) ? item[key] : undefined;
}

function mergeList(field: string, original: Json[], patch: Json[]): Json[] {
  const replace = patch.findIndex((p) => isObject(p) && p.$patch === "replace");
  if (replace >= 0) return stripDirectives(patch.filter((_, i) => i !== replace)) as Json[];
  // An empty patch list merges nothing into a keyed list (it does not clear it).
  if (patch.length === 0 && original.length > 0 && original.every(isObject) && mergeKeyOf(field, original) !== undefined) return original;
  const objects = patch.length > 0 && patch.every(isObject);
  if (!objects) {
    if (mergedPrimitiveLists.has(field)) {
      const out = [...original];
      for (const v of patch) if (!out.some((x) => deepEqual(x, v))) out.push(v);
      return out;
    }
    return patch;
  }
  const key = mergeKeyOf(field, [...original, ...patch]);
  if (key === undefined) return stripDirectives(patch) as Json[];
  const out = [...original];
  for (const item of patch) {
    const obj = item as Record<string, Json>;
    const k = obj[key];
    if (k === undefined) throw new PatchError(`map: ${JSON.stringify(obj)} does not contain declared merge key: ${key}`);
    const at = out.findIndex((o) => deepEqual(keyValue(o, key), k));
    if (obj.$patch === "delete") {
      if (at >= 0) out.splice(at, 1);
      continue;
    }
    if (at >= 0) out[at] = mergeMap(out[at] as Record<string, Json>, obj);
    else out.push(mergeMap({}, obj));
  }
  return out;
}

/** Orders a merged list as $setElementOrder says; items it does not name keep their relative order after. */
function applyOrder(field: string, list: Json[], order: Json[]): Json[] {
  const key = list.every(isObject) ? mergeKeyOf(field, list) : undefined;
  const id = (x: Json): Json | undefined => (key === undefined ? x : keyValue(x, key));
  const wanted = order.map((o) => (isObject(o) && key !== undefined ? o[key] : o));
  const placed: Json[] = [];
  const used = new Set<number>();
  for (const w of wanted) {
    const at = list.findIndex((x, i) => !used.has(i) && deepEqual(id(x), w));
    if (at >= 0) {
      used.add(at);
      placed.push(list[at]!);
    }
  }
  return [...placed, ...list.filter((_, i) => !used.has(i))];
}

/** Removes directive keys from a value that is inserted as it is. */
function stripDirectives(value: Json): Json {
  if (Array.isArray(value)) return value.map(stripDirectives);
  if (!isObject(value)) return value;
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k.startsWith("$")) continue;
    out[k] = stripDirectives(v);
  }
  return out;
}
