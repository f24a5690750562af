// An in-memory ClusterApi for unit tests: a "server" map that writes go to,
// and caches that see those writes when events are delivered, at once by
// default or only on deliver() when holding (a lagging watch).
import { ApiError, allKinds, type CacheEvent, type ClusterApi, type Kind, type KindMap, type Named, type ObjectCache, keyOf } from "./api.ts";
import type { Clock } from "./clock.ts";

type WithStatus = Named & { spec?: unknown; status?: unknown };

export interface FakeAction {
  verb: "create" | "update" | "updateStatus" | "delete";
  kind: Kind;
  key: string;
}

class FakeCache<T extends Named> implements ObjectCache<T> {
  readonly objects = new Map<string, T>();
  private readonly handlers: ((e: CacheEvent<T>) => void)[] = [];

  get(namespace: string, name: string): T | undefined {
    return this.objects.get(`${namespace}/${name}`);
  }

  list(namespace?: string): T[] {
    return [...this.objects.values()].filter((o) => namespace === undefined || o.metadata?.namespace === namespace);
  }

  subscribe(handler: (e: CacheEvent<T>) => void): void {
    this.handlers.push(handler);
  }

  apply(e: CacheEvent<T>): void {
    if (e.type === "delete") this.objects.delete(keyOf(e.object));
    else this.objects.set(keyOf(e.object), e.object);
    for (const h of this.handlers) h(e);
  }
}

export class FakeApi implements ClusterApi {
  readonly actions: FakeAction[] = [];
  readonly events: { key: string; type: string; reason: string; message: string }[] = [];
  /** While true, writes reach the caches only on deliver(). */
  hold = false;
  /** Fail this many of the next creates with a 500. */
  failCreates = 0;
  private readonly server = new Map<Kind, Map<string, Named>>(allKinds.map((k) => [k, new Map()]));
  private readonly caches = new Map<Kind, FakeCache<Named>>(allKinds.map((k) => [k, new FakeCache()]));
  private pending: { kind: Kind; event: CacheEvent<Named> }[] = [];
  private revision = 0;
  private uids = 0;

  constructor(private readonly clock: Clock) {}

  cache<K extends Kind>(kind: K): ObjectCache<KindMap[K]> {
    return this.caches.get(kind) as unknown as ObjectCache<KindMap[K]>;
  }

  /** The server's current object (not the possibly lagging cache's). */
  stored<K extends Kind>(kind: K, namespace: string, name: string): KindMap[K] | undefined {
    const o = this.server.get(kind)!.get(`${namespace}/${name}`);
    return o === undefined ? undefined : (structuredClone(o) as KindMap[K]);
  }

  storedList<K extends Kind>(kind: K): KindMap[K][] {
    return [...this.server.get(kind)!.values()].map((o) => structuredClone(o) as KindMap[K]);
  }

  /** Puts an object straight into the server (test setup), delivering its event. */
  seed<K extends Kind>(kind: K, object: KindMap[K]): KindMap[K] {
    const o = structuredClone(object) as Named;
    o.metadata ??= {};
    o.metadata.uid ??= `uid-${++this.uids}`;
    o.metadata.creationTimestamp ??= new Date(this.clock.now());
    o.metadata.resourceVersion = String(++this.revision);
    if (kind !== "pods") o.metadata.generation ??= 1;
    return this.write(kind, o, "add") as KindMap[K];
  }

  /** Changes a stored object as another client would (e.g. a kubelet marking a pod ready). */
  mutate<K extends Kind>(kind: K, namespace: string, name: string, change: (o: KindMap[K]) => void): void {
    const o = this.stored(kind, namespace, name);
    if (o === undefined) throw new Error(`no ${kind} ${namespace}/${name}`);
    change(o);
    o.metadata!.resourceVersion = String(++this.revision);
    this.write(kind, o, "update");
  }

  /** Delivers the pending events of one kind only (one watch ahead of another). */
  deliverKind(kind: Kind): void {
    const now = this.pending.filter((p) => p.kind === kind);
    this.pending = this.pending.filter((p) => p.kind !== kind);
    for (const p of now) this.caches.get(p.kind)!.apply(p.event);
  }

  deliver(): void {
    const batch = this.pending;
    this.pending = [];
    for (const p of batch) this.caches.get(p.kind)!.apply(p.event);
  }

  private write(kind: Kind, o: Named, type: "add" | "update" | "delete"): Named {
    const map = this.server.get(kind)!;
    const key = keyOf(o);
    const old = map.get(key);
    if (type === "delete") map.delete(key);
    else map.set(key, o);
    const copy = structuredClone(o);
    const event: CacheEvent<Named> =
      type === "delete" ? { type, object: copy } : type === "update" && old !== undefined ? { type, object: copy, old: structuredClone(old) } : { type: "add", object: copy };
    this.pending.push({ kind, event });
    if (!this.hold) this.deliver();
    return structuredClone(o);
  }

  async create<K extends Kind>(kind: K, namespace: string, object: KindMap[K]): Promise<KindMap[K]> {
    const name = object.metadata?.name ?? "";
    this.actions.push({ verb: "create", kind, key: `${namespace}/${name}` });
    if (this.failCreates > 0) {
      this.failCreates--;
      throw new ApiError(500, "InternalError", "injected failure");
    }
    if (this.server.get(kind)!.has(`${namespace}/${name}`)) throw new ApiError(409, "AlreadyExists", `${kind} "${name}" already exists`);
    const o = structuredClone(object) as Named;
    o.metadata = { ...o.metadata, namespace };
    delete o.metadata.resourceVersion;
    delete o.metadata.uid;
    delete o.metadata.creationTimestamp;
    return this.seed(kind, o as KindMap[K]);
  }

  private current(kind: Kind, object: Named): Named {
    const key = keyOf(object);
    const old = this.server.get(kind)!.get(key);
    if (old === undefined) throw new ApiError(404, "NotFound", `${kind} "${key}" not found`);
    if (object.metadata?.resourceVersion !== old.metadata?.resourceVersion) throw new ApiError(409, "Conflict", `${kind} "${key}": the object has been modified`);
    return old;
  }

  async update<K extends Kind>(kind: K, object: KindMap[K]): Promise<KindMap[K]> {
    this.actions.push({ verb: "update", kind, key: keyOf(object) });
    const old = this.current(kind, object) as WithStatus;
    const next = structuredClone(object) as WithStatus;
    // Leases have no status subresource: a PUT writes all of them.
    if (kind !== "leases" && (old.status !== undefined || next.status !== undefined)) next.status = structuredClone(old.status);
    next.metadata!.resourceVersion = String(++this.revision);
    if (kind !== "pods" && kind !== "nodes" && kind !== "leases" && JSON.stringify(next.spec) !== JSON.stringify(old.spec)) next.metadata!.generation = (old.metadata?.generation ?? 1) + 1;
    return this.write(kind, next, "update") as KindMap[K];
  }

  async updateStatus<K extends Kind>(kind: K, object: KindMap[K]): Promise<KindMap[K]> {
    this.actions.push({ verb: "updateStatus", kind, key: keyOf(object) });
    const old = this.current(kind, object) as WithStatus;
    const next = structuredClone(old);
    next.status = structuredClone((object as WithStatus).status);
    next.metadata!.resourceVersion = String(++this.revision);
    return this.write(kind, next, "update") as KindMap[K];
  }

  async delete(kind: Kind, namespace: string, name: string): Promise<void> {
    this.actions.push({ verb: "delete", kind, key: `${namespace}/${name}` });
    const old = this.server.get(kind)!.get(`${namespace}/${name}`);
    if (old === undefined) throw new ApiError(404, "NotFound", `${kind} "${name}" not found`);
    this.write(kind, old, "delete");
  }

  event(object: Named, type: "Normal" | "Warning", reason: string, message: string): void {
    this.events.push({ key: keyOf(object), type, reason, message });
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {}
}
