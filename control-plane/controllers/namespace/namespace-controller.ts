// Namespace deletion, as Kubernetes' namespace controller does it: a
// namespace marked for deletion (Terminating, spec.finalizers holding
// "kubernetes") has every object of every namespaced kind deleted; once a
// fresh list finds nothing left, the controller hands back its finalizer
// through the namespaces/finalize subresource and the API server removes
// the namespace. The API server refuses new content meanwhile.
import { type Named, isConflict, isNotFound } from "../api.ts";
import type { Clock } from "../clock.ts";
import type { Reconciler, SyncResult } from "../controller-loop.ts";
import type { DynamicApi, ResourceInfo } from "../dynamic/dynamic-api.ts";
import { WorkQueue } from "../work-queue.ts";

export const namespaceFinalizer = "kubernetes";

const isDeleting = (o: Named): boolean => o.metadata?.deletionTimestamp !== undefined && o.metadata.deletionTimestamp !== null;
const specFinalizers = (o: Named): string[] => (o as { spec?: { finalizers?: string[] } }).spec?.finalizers ?? [];

export interface NamespaceControllerOptions {
  /** How soon to look again while objects with finalizers of their own remain. */
  recheckMs?: number;
}

export class NamespaceController implements Reconciler {
  readonly name = "namespace";
  readonly queue: WorkQueue;
  private readonly namespaces: ResourceInfo;
  private readonly recheckMs: number;

  constructor(
    private readonly api: DynamicApi,
    clock: Clock,
    opts: NamespaceControllerOptions = {},
  ) {
    this.queue = new WorkQueue(clock);
    this.recheckMs = opts.recheckMs ?? 1000;
    const ns = api.resources().find((r) => r.group === "" && r.resource === "namespaces");
    if (ns === undefined) throw new Error("the API server serves no namespaces");
    this.namespaces = ns;
    api.cache(ns).subscribe((e) => {
      if (e.type !== "delete" && isDeleting(e.object)) this.queue.add(e.object.metadata?.name ?? "");
    });
  }

  /** Deletes what is left in the namespace; returns how many objects were found. */
  private async deleteContent(namespace: string): Promise<number> {
    let found = 0;
    for (const r of this.api.resources().filter((x) => x.namespaced)) {
      for (const o of await this.api.list(r, namespace)) {
        found++;
        if (isDeleting(o)) continue;
        try {
          await this.api.delete(r, namespace, o.metadata?.name ?? "", { uid: o.metadata?.uid, propagationPolicy: "Background" });
        } catch (err) {
          if (!isNotFound(err) && !isConflict(err)) throw err;
        }
      }
    }
    return found;
  }

  async sync(name: string): Promise<SyncResult | void> {
    const ns = this.api.cache(this.namespaces).get("", name);
    if (ns === undefined || !isDeleting(ns) || !specFinalizers(ns).includes(namespaceFinalizer)) return;
    // A second pass confirms with fresh lists that the first one left nothing behind.
    if ((await this.deleteContent(name)) > 0 && (await this.deleteContent(name)) > 0) return { requeueAfterMs: this.recheckMs };
    const live = await this.api.get(this.namespaces, "", name);
    if (live === undefined || !specFinalizers(live).includes(namespaceFinalizer)) return;
    await this.api.finalizeNamespace(
      name,
      specFinalizers(live).filter((f) => f !== namespaceFinalizer),
      live.metadata?.resourceVersion ?? "",
    );
  }
}
