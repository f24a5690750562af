// Objects as the store holds them (JSON, no resourceVersion) and as clients
// see them (apiVersion of the request, resourceVersion = mod revision).
import type { StoredValue } from "../storage/storage.ts";
import { type KubeObject, type ResourceType, apiVersionOf } from "../registry/types.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

export function encodeObject(type: ResourceType, obj: KubeObject): Uint8Array {
  const { resourceVersion: _rv, ...metadata } = obj.metadata;
  return enc.encode(JSON.stringify({ ...obj, apiVersion: apiVersionOf(type.group, type.versions[0]!), kind: type.kind, metadata }));
}

export function decodeObject(type: ResourceType, version: string, kv: StoredValue, revision = kv.modRevision): KubeObject {
  // The parsed object is ours alone: set resourceVersion in place, copy once to put kind and apiVersion first.
  const { apiVersion: _a, kind: _k, ...rest } = JSON.parse(dec.decode(kv.value)) as KubeObject;
  rest.metadata.resourceVersion = String(revision);
  return { kind: type.kind, apiVersion: apiVersionOf(type.group, version), ...rest } as KubeObject;
}

const shared = new WeakMap<StoredValue, Map<string, KubeObject>>();

/**
 * decodeObject for a value many readers share (a watch event fanned out to
 * every watcher): decoded once per version, and the same object handed to
 * each, so callers must not change it.
 */
export function decodeShared(type: ResourceType, version: string, kv: StoredValue): KubeObject {
  let byVersion = shared.get(kv);
  if (byVersion === undefined) shared.set(kv, (byVersion = new Map()));
  let obj = byVersion.get(version);
  if (obj === undefined) byVersion.set(version, (obj = decodeObject(type, version, kv)));
  return obj;
}

/** Puts apiVersion and kind first, as Kubernetes prints them. */
export function withVersion(type: ResourceType, version: string, obj: KubeObject): KubeObject {
  const { apiVersion: _a, kind: _k, ...rest } = obj;
  return { kind: type.kind, apiVersion: apiVersionOf(type.group, version), ...rest } as KubeObject;
}
