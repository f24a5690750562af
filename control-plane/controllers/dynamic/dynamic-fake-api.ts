// An in-memory DynamicApi for unit tests, with the API server's deletion
// rules: propagationPolicy turns into the "orphan" or "foregroundDeletion"
// finalizer, an object with finalizers is only marked (deletionTimestamp),
// and removing the last finalizer (or a namespace's spec.finalizers)
// removes it. Writes reach the caches at once.
import { ApiError, type CacheEvent, type Named, type ObjectCache } from "../api.ts";
import { type DeleteOptions, type DynamicApi, type ResourceInfo, resourceId } from "./dynamic-api.ts";

class FakeCache implements ObjectCache<Named> {
  readonly objects = new Map<string, Named>();
  private readonly handlers: ((e: CacheEvent<Named>) => void)[] = [];

  get(namespace: string, name: string): Named | undefined {
    return this.objects.get(`${namespace}/${name}`);
  }

  list(namespace?: string): Named[] {
    return [...this.objects.values()].filter((o) => namespace === undefined || o.metadata?.namespace === namespace);
  }

  subscribe(handler: (e: CacheEvent<Named>) => void): void {
    this.handlers.push(handler);
  }

  emit(e: CacheEvent<Named>): void {
    for (const h of this.handlers) h(e);
  }
}

export const fakeResources: ResourceInfo[] = [
  { group: "", version: "v1", resource: "namespaces", kind: "Namespace", namespaced: false },
  { group: "", version: "v1", resource: "nodes", kind: "Node", namespaced: false },
  { group: "", version: "v1", resource: "pods", kind: "Pod", namespaced: true },
  { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespaced: true },
  { group: "apps", version: "v1", resource: "replicasets", kind: "ReplicaSet", namespaced: true },
  { group: "apps", version: "v1", resource: "deployments", kind: "Deployment", namespaced: true },
  { group: "autoscaling", version: "v1", resource: "horizontalpodautoscalers", kind: "HorizontalPodAutoscaler", namespaced: true },
];

export function fakeResource(resource: string): ResourceInfo {
  const r = fakeResources.find((x) => x.resource === resource);
  if (r === undefined) throw new Error(`no fake resource ${resource}`);
  return r;
}

export class FakeDynamicApi implements DynamicApi {
  readonly actions: string[] = [];
  private readonly caches = new Map<string, FakeCache>(fakeResources.map((r) => [resourceId(r), new FakeCache()]));
  private revision = 0;
  private uids = 0;

  async discover(): Promise<ResourceInfo[]> {
    return fakeResources;
  }

  resources(): ResourceInfo[] {
    return fakeResources;
  }

  cache(r: ResourceInfo): FakeCache {
    return this.caches.get(resourceId(r))!;
  }

  /** Stores an object as a client's create would; returns it with uid and resourceVersion. */
  seed(r: ResourceInfo, object: Named & Record<string, unknown>): Named {
    const o = structuredClone(object);
    o.metadata ??= {};
    o.metadata.uid ??= `uid-${++this.uids}`;
    if (!r.namespaced) delete o.metadata.namespace;
    else o.metadata.namespace ??= "default";
    return this.write(r, o);
  }

  stored(r: ResourceInfo, namespace: string, name: string): Named | undefined {
    const o = this.cache(r).get(namespace, name);
    return o === undefined ? undefined : structuredClone(o);
  }

  private write(r: ResourceInfo, o: Named): Named {
    const cache = this.cache(r);
    const key = `${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}`;
    const old = cache.objects.get(key);
    o.metadata!.resourceVersion = String(++this.revision);
    cache.objects.set(key, o);
    cache.emit(old === undefined ? { type: "add", object: structuredClone(o) } : { type: "update", object: structuredClone(o), old });
    return structuredClone(o);
  }

  private remove(r: ResourceInfo, o: Named): void {
    const cache = this.cache(r);
    cache.objects.delete(`${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}`);
    cache.emit({ type: "delete", object: structuredClone(o) });
  }

  private current(r: ResourceInfo, namespace: string, name: string): Named {
    const o = this.cache(r).get(r.namespaced ? namespace : "", name);
    if (o === undefined) throw new ApiError(404, "NotFound", `${resourceId(r)} "${name}" not found`);
    return structuredClone(o);
  }

  /** The object stays while metadata.finalizers or a namespace's spec.finalizers hold it. */
  private settle(r: ResourceInfo, o: Named): Named {
    const held = (o.metadata?.finalizers ?? []).length > 0 || ((o as { spec?: { finalizers?: string[] } }).spec?.finalizers ?? []).length > 0;
    if (o.metadata?.deletionTimestamp !== undefined && !held) {
      this.remove(r, o);
      return o;
    }
    return this.write(r, o);
  }

  async get(r: ResourceInfo, namespace: string, name: string): Promise<Named | undefined> {
    return this.stored(r, r.namespaced ? namespace : "", name);
  }

  async list(r: ResourceInfo, namespace?: string): Promise<Named[]> {
    return this.cache(r).list(namespace).map((o) => structuredClone(o));
  }

  async delete(r: ResourceInfo, namespace: string, name: string, opts: DeleteOptions = {}): Promise<void> {
    this.actions.push(`delete ${resourceId(r)} ${namespace}/${name}${opts.propagationPolicy === undefined ? "" : ` ${opts.propagationPolicy}`}`);
    const o = this.current(r, namespace, name);
    if (opts.uid !== undefined && opts.uid !== o.metadata?.uid) throw new ApiError(409, "Conflict", "Precondition failed: UID");
    const meta = o.metadata!;
    let finalizers = meta.finalizers ?? [];
    if (opts.propagationPolicy !== undefined) {
      finalizers = finalizers.filter((f) => f !== "orphan" && f !== "foregroundDeletion");
      if (opts.propagationPolicy === "Orphan") finalizers.push("orphan");
      if (opts.propagationPolicy === "Foreground") finalizers.push("foregroundDeletion");
    }
    meta.finalizers = finalizers;
    meta.deletionTimestamp ??= new Date();
    if (r.resource === "namespaces") (o as { status?: Record<string, unknown> }).status = { phase: "Terminating" };
    this.settle(r, o);
  }

  async patch(r: ResourceInfo, namespace: string, name: string, patch: Record<string, unknown>): Promise<Named> {
    const o = this.current(r, namespace, name);
    const meta = (patch.metadata ?? {}) as Record<string, unknown>;
    this.actions.push(`patch ${resourceId(r)} ${namespace}/${name} ${Object.keys(meta).filter((k) => k !== "resourceVersion").join(",")}`);
    if (meta.resourceVersion !== undefined && meta.resourceVersion !== o.metadata?.resourceVersion) throw new ApiError(409, "Conflict", "the object has been modified");
    for (const [k, v] of Object.entries(meta)) {
      if (k === "resourceVersion") continue;
      if (v === null) delete (o.metadata as Record<string, unknown>)[k];
      else (o.metadata as Record<string, unknown>)[k] = v;
    }
    return this.settle(r, o);
  }

  async finalizeNamespace(name: string, finalizers: string[], resourceVersion: string): Promise<void> {
    const r = fakeResource("namespaces");
    this.actions.push(`finalize namespace ${name}`);
    const o = this.current(r, "", name) as Named & { spec?: { finalizers?: string[] } };
    if (o.metadata?.resourceVersion !== resourceVersion) throw new ApiError(409, "Conflict", "the object has been modified");
    o.spec = { ...o.spec, finalizers };
    this.settle(r, o);
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {}
}
