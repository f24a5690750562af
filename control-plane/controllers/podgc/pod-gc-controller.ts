// Pod garbage collection, as kube-controller-manager's podgc: terminated
// pods (Succeeded or Failed) beyond --terminated-pod-gc-threshold are
// deleted oldest first, and pods bound to a node that no longer exists
// (confirmed with a live read, the node cache may lag) are deleted. It runs
// when a pod terminates or a node goes, and every period besides. Pods
// still terminating after their grace on a node that is not Ready (no
// kubelet will finish them) are force-deleted, and orphaned pods go even
// when terminating, so a killed node's pods never stay Terminating.
import { type Named, isConflict, isNotFound, timeOf } from "../api.ts";
import type { Clock } from "../clock.ts";
import type { Reconciler, SyncResult } from "../controller-loop.ts";
import type { DynamicApi, ResourceInfo } from "../dynamic/dynamic-api.ts";
import { WorkQueue } from "../work-queue.ts";

/** Kubernetes' default for --terminated-pod-gc-threshold. */
export const defaultTerminatedPodThreshold = 12500;

export interface PodGcOptions {
  /** Terminated pods kept; 0 or less keeps all (as Kubernetes). */
  terminatedPodThreshold?: number;
  /** How often it looks even without events (kube's gcCheckPeriod, 20 s). */
  periodMs?: number;
}

type PodLike = Named & { spec?: { nodeName?: string }; status?: { phase?: string } };
type NodeLike = Named & { status?: { conditions?: { type?: string; status?: string }[] } };

const key = "podgc";
const isTerminated = (p: PodLike): boolean => p.status?.phase === "Succeeded" || p.status?.phase === "Failed";
const isDeleting = (o: Named): boolean => o.metadata?.deletionTimestamp !== undefined && o.metadata.deletionTimestamp !== null;

export class PodGcController implements Reconciler {
  readonly name = "podgc";
  readonly queue: WorkQueue;
  private readonly pods: ResourceInfo;
  private readonly nodes: ResourceInfo;
  private readonly threshold: number;
  private readonly periodMs: number;

  constructor(
    private readonly api: DynamicApi,
    private readonly clock: Clock,
    opts: PodGcOptions = {},
  ) {
    this.queue = new WorkQueue(clock);
    this.threshold = opts.terminatedPodThreshold ?? defaultTerminatedPodThreshold;
    this.periodMs = opts.periodMs ?? 20_000;
    const find = (resource: string): ResourceInfo => {
      const r = api.resources().find((x) => x.group === "" && x.resource === resource);
      if (r === undefined) throw new Error(`the API server serves no ${resource}`);
      return r;
    };
    this.pods = find("pods");
    this.nodes = find("nodes");
    api.cache(this.pods).subscribe((e) => {
      if (e.type !== "delete" && (isTerminated(e.object as PodLike) || isDeleting(e.object))) this.queue.add(key);
    });
    api.cache(this.nodes).subscribe((e) => {
      if (e.type === "delete") this.queue.add(key);
    });
    this.queue.add(key);
  }

  private async deletePod(p: PodLike): Promise<void> {
    try {
      await this.api.delete(this.pods, p.metadata?.namespace ?? "", p.metadata?.name ?? "", { uid: p.metadata?.uid, gracePeriodSeconds: 0 });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }

  private async collectTerminated(pods: PodLike[]): Promise<void> {
    if (this.threshold <= 0) return;
    const terminated = pods.filter((p) => isTerminated(p) && !isDeleting(p));
    const excess = terminated.length - this.threshold;
    if (excess <= 0) return;
    terminated.sort((a, b) => timeOf(a.metadata?.creationTimestamp) - timeOf(b.metadata?.creationTimestamp) || (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""));
    for (const p of terminated.slice(0, excess)) await this.deletePod(p);
  }

  private async collectOrphaned(pods: PodLike[]): Promise<void> {
    const cached = new Set(this.api.cache(this.nodes).list().map((n) => n.metadata?.name ?? ""));
    const gone = new Map<string, boolean>();
    for (const p of pods) {
      const node = p.spec?.nodeName;
      if (node === undefined || node === "" || cached.has(node)) continue;
      if (!gone.has(node)) gone.set(node, (await this.api.get(this.nodes, "", node)) === undefined);
      if (gone.get(node) === true) await this.deletePod(p);
    }
  }

  /** Force-deletes pods past their grace on NotReady nodes; answers when the next one is due. */
  private async collectTerminating(pods: PodLike[]): Promise<number | undefined> {
    const notReady = new Set(
      (this.api.cache(this.nodes).list() as NodeLike[])
        .filter((n) => n.status?.conditions?.find((c) => c.type === "Ready")?.status !== "True")
        .map((n) => n.metadata?.name ?? ""),
    );
    let next: number | undefined;
    for (const p of pods) {
      const node = p.spec?.nodeName ?? "";
      if (!isDeleting(p) || !notReady.has(node)) continue;
      const due = timeOf(p.metadata?.deletionTimestamp as string | Date | undefined);
      if (due <= this.clock.now()) await this.deletePod(p);
      else next = Math.min(next ?? Infinity, due);
    }
    return next;
  }

  async sync(): Promise<SyncResult> {
    const pods = this.api.cache(this.pods).list() as PodLike[];
    await this.collectTerminated(pods);
    await this.collectOrphaned(pods);
    const next = await this.collectTerminating(pods);
    const untilNext = next === undefined ? this.periodMs : Math.max(100, next - this.clock.now() + 100);
    return { requeueAfterMs: Math.min(this.periodMs, untilNext) };
  }
}
