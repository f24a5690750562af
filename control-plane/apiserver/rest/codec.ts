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
  const obj = JSON.parse(dec.decode(kv.value)) as KubeObject;
  return withVersion(type, version, { ...obj, metadata: { ...obj.metadata, resourceVersion: String(revision) } });
}

/** Puts apiVersion and kind first, as Kubernetes prints them. */
export function withVersion(type: ResourceType, version: string, obj: KubeObject): KubeObject {
  const { apiVersion: _a, kind: _k, ...rest } = obj;
  return { kind: type.kind, apiVersion: apiVersionOf(type.group, version), ...rest } as KubeObject;
}
