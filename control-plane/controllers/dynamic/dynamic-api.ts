// What the controllers that work on every kind (garbage collector,
// namespace deletion, pod GC) need from the cluster, like client-go's
// dynamic client: the resources discovery lists, a watched cache of each,
// live reads, deletes with propagation, and JSON merge patches. One
// implementation talks to the API server (dynamic-kube-api.ts), one is an
// in-memory fake (dynamic-fake-api.ts).
import type { Named, ObjectCache } from "../api.ts";

export interface ResourceInfo {
  group: string;
  version: string;
  /** Plural, as in URLs: "replicasets". */
  resource: string;
  kind: string;
  namespaced: boolean;
}

export type Propagation = "Orphan" | "Background" | "Foreground";

export interface DeleteOptions {
  /** A precondition: delete only this incarnation of the object. */
  uid?: string;
  propagationPolicy?: Propagation;
  gracePeriodSeconds?: number;
}

export interface DynamicApi {
  /** Asks discovery which resources can be listed, watched and deleted; the caches exist afterwards. */
  discover(): Promise<ResourceInfo[]>;
  resources(): ResourceInfo[];
  cache(r: ResourceInfo): ObjectCache<Named>;
  /** A live read (not the cache): undefined when the object does not exist. */
  get(r: ResourceInfo, namespace: string, name: string): Promise<Named | undefined>;
  /** A live list, in one namespace or across all. */
  list(r: ResourceInfo, namespace?: string): Promise<Named[]>;
  delete(r: ResourceInfo, namespace: string, name: string, opts?: DeleteOptions): Promise<void>;
  /** A JSON merge patch; a metadata.resourceVersion in it makes it conditional (409 when stale). */
  patch(r: ResourceInfo, namespace: string, name: string, patch: Record<string, unknown>): Promise<Named>;
  /** PUT namespaces/<name>/finalize: writes spec.finalizers of a namespace. */
  finalizeNamespace(name: string, finalizers: string[], resourceVersion: string): Promise<void>;
  /** Resolves once every cache has its initial list. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** "replicasets.apps", "pods": how Kubernetes names a resource across groups. */
export function resourceId(r: Pick<ResourceInfo, "group" | "resource">): string {
  return r.group === "" ? r.resource : `${r.resource}.${r.group}`;
}

export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

/** The resource of a kind in a group (an ownerReference names apiVersion and kind). */
export function resourceForKind(resources: ResourceInfo[], apiVersion: string, kind: string): ResourceInfo | undefined {
  const group = groupOf(apiVersion);
  return resources.find((r) => r.group === group && r.kind === kind);
}
