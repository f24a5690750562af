// The garbage collector, as Kubernetes' does it: an object whose owners
// (named by uid in ownerReferences) are all gone is deleted (background
// propagation); an owner deleted in the foreground (finalizer
// "foregroundDeletion") has its dependents deleted first and loses the
// finalizer once no dependent with blockOwnerDeletion remains; an owner
// deleted with propagationPolicy Orphan (finalizer "orphan") has its
// reference removed from every dependent, then loses the finalizer. An owner
// with the same name but another uid is gone. The cache says who is absent
// only as a hint: absence is confirmed with a live read before a delete.
import type { V1OwnerReference } from "@kubernetes/client-node";
import { type CacheEvent, type Named, isConflict, isNotFound } from "../api.ts";
import type { Clock } from "../clock.ts";
import type { Reconciler } from "../controller-loop.ts";
import { type DynamicApi, type Propagation, type ResourceInfo, resourceForKind, resourceId } from "../dynamic/dynamic-api.ts";
import { WorkQueue } from "../work-queue.ts";
import { OwnerGraph, itemKey, ownerRefsOf, parseItemKey } from "./owner-graph.ts";

export const orphanFinalizer = "orphan";
export const foregroundFinalizer = "foregroundDeletion";

const isDeleting = (o: Named): boolean => o.metadata?.deletionTimestamp !== undefined && o.metadata.deletionTimestamp !== null;
const hasFinalizer = (o: Named, f: string): boolean => (o.metadata?.finalizers ?? []).includes(f);

/** 404 and 409 on a write mean someone else changed the object first; the next event brings it back if needed. */
async function tolerateGone(write: Promise<unknown>): Promise<void> {
  try {
    await write;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

export class GarbageCollector implements Reconciler {
  readonly name = "garbagecollector";
  readonly queue: WorkQueue;
  private readonly graph = new OwnerGraph();
  private readonly byId = new Map<string, ResourceInfo>();

  constructor(
    private readonly api: DynamicApi,
    clock: Clock,
  ) {
    this.queue = new WorkQueue(clock);
    for (const r of api.resources()) {
      this.byId.set(resourceId(r), r);
      api.cache(r).subscribe((e) => this.onEvent(r, e));
    }
  }

  private enqueueUids(uids: string[]): void {
    for (const uid of uids) {
      const key = this.graph.keyOfUid(uid);
      if (key !== undefined) this.queue.add(key);
    }
  }

  private onEvent(r: ResourceInfo, e: CacheEvent<Named>): void {
    const o = e.object;
    const key = itemKey(r, o);
    if (e.type === "delete") {
      const owners = this.graph.forget(r, o);
      // Its dependents may now be orphans; owners deleting in the foreground may now be free.
      for (const dep of this.graph.dependentsOf(o.metadata?.uid ?? "")) this.queue.add(dep);
      this.enqueueUids(owners);
      return;
    }
    // Most updates (status, a Lease renewal) change neither references nor deletion: nothing to look at.
    const refsChanged = e.type === "add" || JSON.stringify(ownerRefsOf(e.old)) !== JSON.stringify(ownerRefsOf(o));
    const deletionChanged = e.type === "add" || e.old.metadata?.deletionTimestamp !== o.metadata?.deletionTimestamp || JSON.stringify(e.old.metadata?.finalizers) !== JSON.stringify(o.metadata?.finalizers);
    const owners = this.graph.observe(r, o);
    const collecting = isDeleting(o) && (hasFinalizer(o, orphanFinalizer) || hasFinalizer(o, foregroundFinalizer));
    if ((refsChanged && ownerRefsOf(o).length > 0) || (deletionChanged && collecting)) this.queue.add(key);
    if (refsChanged || (deletionChanged && isDeleting(o))) this.enqueueUids(owners);
  }

  private lookup(key: string): { r: ResourceInfo; o: Named } | undefined {
    const { id, namespace, name } = parseItemKey(key);
    const r = this.byId.get(id);
    const o = r === undefined ? undefined : this.api.cache(r).get(namespace, name);
    return r === undefined || o === undefined ? undefined : { r, o };
  }

  async sync(key: string): Promise<void> {
    const found = this.lookup(key);
    if (found === undefined) return;
    const { r, o } = found;
    if (isDeleting(o)) {
      if (hasFinalizer(o, orphanFinalizer)) await this.orphanDependents(r, o);
      else if (hasFinalizer(o, foregroundFinalizer)) await this.deleteDependentsFirst(r, o);
      return;
    }
    if (ownerRefsOf(o).length > 0) await this.checkOwners(r, o);
  }

  /** The owner an ownerReference names, if it exists with that uid (live read when the cache disagrees). */
  private async ownerOf(r: ResourceInfo, namespace: string, ref: V1OwnerReference): Promise<Named | undefined | "unknown"> {
    const ownerR = resourceForKind(this.api.resources(), ref.apiVersion, ref.kind);
    if (ownerR === undefined) return "unknown";
    // A cluster-scoped object cannot be owned by a namespaced one.
    if (ownerR.namespaced && !r.namespaced) return undefined;
    const ns = ownerR.namespaced ? namespace : "";
    const cached = this.api.cache(ownerR).get(ns, ref.name);
    if (cached?.metadata?.uid === ref.uid) return cached;
    const live = await this.api.get(ownerR, ns, ref.name);
    return live?.metadata?.uid === ref.uid ? live : undefined;
  }

  private async checkOwners(r: ResourceInfo, o: Named): Promise<void> {
    const namespace = o.metadata?.namespace ?? "";
    const name = o.metadata?.name ?? "";
    const refs = ownerRefsOf(o);
    const solid: V1OwnerReference[] = [];
    const gone: V1OwnerReference[] = [];
    const waiting: V1OwnerReference[] = [];
    for (const ref of refs) {
      const owner = await this.ownerOf(r, namespace, ref);
      // An owner of a kind nobody serves cannot be judged: keep the object.
      if (owner === "unknown") solid.push(ref);
      else if (owner === undefined) gone.push(ref);
      else if (isDeleting(owner) && hasFinalizer(owner, foregroundFinalizer)) waiting.push(ref);
      else solid.push(ref);
    }
    if (gone.length + waiting.length === 0) return;
    if (solid.length > 0) {
      // Another owner keeps it alive: only the references to gone or leaving owners go.
      const drop = new Set([...gone, ...waiting].map((ref) => ref.uid));
      const rest = refs.filter((ref) => !drop.has(ref.uid));
      await tolerateGone(this.api.patch(r, namespace, name, { metadata: { resourceVersion: o.metadata?.resourceVersion, ownerReferences: rest } }));
      return;
    }
    // An owner waits for its dependents: a dependent with dependents of its own goes in the foreground too.
    const policy: Propagation = waiting.length > 0 && this.graph.dependentsOf(o.metadata?.uid ?? "").length > 0 ? "Foreground" : "Background";
    try {
      await this.api.delete(r, namespace, name, { uid: o.metadata?.uid, propagationPolicy: policy });
    } catch (err) {
      // Gone already, or a new object of the same name (uid precondition): nothing to collect.
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }

  private async deleteDependentsFirst(r: ResourceInfo, owner: Named): Promise<void> {
    const uid = owner.metadata?.uid ?? "";
    let blocking = 0;
    for (const depKey of this.graph.dependentsOf(uid)) {
      const dep = this.lookup(depKey);
      const ref = dep === undefined ? undefined : ownerRefsOf(dep.o).find((x) => x.uid === uid);
      if (dep === undefined || ref === undefined) continue;
      if (!isDeleting(dep.o)) this.queue.add(depKey);
      if (ref.blockOwnerDeletion === true) blocking++;
    }
    // Each dependent's deletion queues this owner again.
    if (blocking > 0) return;
    await this.removeFinalizer(r, owner, foregroundFinalizer);
  }

  private async orphanDependents(r: ResourceInfo, owner: Named): Promise<void> {
    const uid = owner.metadata?.uid ?? "";
    for (const depKey of this.graph.dependentsOf(uid)) {
      const dep = this.lookup(depKey);
      if (dep === undefined) continue;
      const refs = ownerRefsOf(dep.o);
      if (!refs.some((x) => x.uid === uid)) continue;
      const rest = refs.filter((x) => x.uid !== uid);
      const meta = dep.o.metadata!;
      await tolerateGone(this.api.patch(dep.r, meta.namespace ?? "", meta.name ?? "", { metadata: { resourceVersion: meta.resourceVersion, ownerReferences: rest.length > 0 ? rest : null } }));
    }
    await this.removeFinalizer(r, owner, orphanFinalizer);
  }

  private async removeFinalizer(r: ResourceInfo, o: Named, finalizer: string): Promise<void> {
    const meta = o.metadata!;
    const rest = (meta.finalizers ?? []).filter((f) => f !== finalizer);
    await tolerateGone(this.api.patch(r, meta.namespace ?? "", meta.name ?? "", { metadata: { resourceVersion: meta.resourceVersion, finalizers: rest.length > 0 ? rest : null } }));
  }
}
