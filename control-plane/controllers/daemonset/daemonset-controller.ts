// The DaemonSet controller: one pod per eligible node, bound directly with
// spec.nodeName (the pre-1.12 way; kube now adds a required node affinity
// on metadata.name and lets the scheduler bind: either places the pod on
// that node, and this one works without a scheduler). Nodes added later get
// their pod; pods leave nodes that stop matching. Template changes roll
// out node by node within maxUnavailable, old and new pods told apart by
// the controller-revision-hash label.
import type { V1DaemonSet, V1DaemonSetStatus, V1Node, V1Pod } from "@kubernetes/client-node";
import { type CacheEvent, type ClusterApi, isNotFound, keyOf, splitKey } from "../api.ts";
import { claimPods } from "../claim-pods.ts";
import type { Clock } from "../clock.ts";
import type { SyncResult } from "../controller-loop.ts";
import { Expectations } from "../expectations.ts";
import { controllerRefOf, ownerRefTo, selectorMatches } from "../owners.ts";
import { nameSuffix, revisionHash, revisionHashLabel } from "../revision-hash.ts";
import { WorkQueue } from "../work-queue.ts";
import { planDaemonSet } from "./daemonset-plan.ts";
import { withDaemonTolerations } from "./node-eligibility.ts";

export interface DaemonSetControllerOptions {
  clock: Clock;
  /** Random source in [0, 1) for pod name suffixes. */
  random?: () => number;
}

export class DaemonSetController {
  readonly name = "daemonset";
  readonly queue: WorkQueue;
  readonly expectations: Expectations;
  private readonly clock: Clock;
  private readonly random: () => number;

  constructor(
    private readonly api: ClusterApi,
    opts: DaemonSetControllerOptions,
  ) {
    this.clock = opts.clock;
    this.random = opts.random ?? Math.random;
    this.queue = new WorkQueue(this.clock);
    this.expectations = new Expectations(this.clock);
    api.cache("daemonsets").subscribe((e) => this.onDaemonSet(e));
    api.cache("pods").subscribe((e) => this.onPod(e));
    api.cache("nodes").subscribe((e) => this.onNode(e));
  }

  private onDaemonSet(e: CacheEvent<V1DaemonSet>): void {
    if (e.type === "delete") this.expectations.forget(keyOf(e.object));
    this.queue.add(keyOf(e.object));
  }

  private onNode(e: CacheEvent<V1Node>): void {
    // Labels, taints and existence decide eligibility; status churn (heartbeats) does not.
    if (e.type === "update" && JSON.stringify([e.old.metadata?.labels, e.old.spec]) === JSON.stringify([e.object.metadata?.labels, e.object.spec])) return;
    for (const ds of this.api.cache("daemonsets").list()) this.queue.add(keyOf(ds));
  }

  private ownerKey(pod: V1Pod): string | undefined {
    const ref = controllerRefOf(pod);
    if (ref?.kind !== "DaemonSet") return undefined;
    const ds = this.api.cache("daemonsets").get(pod.metadata?.namespace ?? "", ref.name);
    return ds?.metadata?.uid === ref.uid ? keyOf(ds) : undefined;
  }

  private onPod(e: CacheEvent<V1Pod>): void {
    const pod = e.object;
    const owner = this.ownerKey(pod);
    if (e.type === "delete") {
      if (owner !== undefined) {
        this.expectations.deletionObserved(owner, keyOf(pod));
        this.queue.add(owner);
      }
      return;
    }
    if (e.type === "add" && owner !== undefined) this.expectations.creationObserved(owner);
    if (e.type === "update" && pod.metadata?.deletionTimestamp !== undefined && owner !== undefined) this.expectations.deletionObserved(owner, keyOf(pod));
    if (owner !== undefined) this.queue.add(owner);
    else if (controllerRefOf(pod) === undefined) {
      for (const ds of this.api.cache("daemonsets").list(pod.metadata?.namespace)) {
        if (selectorMatches(ds.spec?.selector, pod.metadata?.labels)) this.queue.add(keyOf(ds));
      }
    }
  }

  async sync(key: string): Promise<SyncResult> {
    const { namespace, name } = splitKey(key);
    const ds = this.api.cache("daemonsets").get(namespace, name);
    if (ds === undefined) {
      this.expectations.forget(key);
      return {};
    }
    const candidates = this.api.cache("pods").list(namespace).filter((p) => p.metadata?.deletionTimestamp === undefined && p.status?.phase !== "Succeeded");
    const pods = await claimPods(this.api, { object: ds, kind: "DaemonSet", apiVersion: "apps/v1", selector: ds.spec?.selector }, candidates);
    const hash = revisionHash(ds.spec?.template);
    const now = this.clock.now();
    const plan = planDaemonSet(ds, this.api.cache("nodes").list(), pods, hash, now);
    if (this.expectations.satisfied(key) && ds.metadata?.deletionTimestamp === undefined) await this.manage(key, ds, hash, plan.create, plan.remove);
    if (statusChanged(ds.status, plan.status)) await this.api.updateStatus("daemonsets", { ...ds, status: { ...ds.status, ...plan.status } });
    const minReady = ds.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && plan.status.numberReady !== plan.status.numberAvailable) return { requeueAfterMs: minReady * 1000 };
    return {};
  }

  /** Deletes first; creates wait for a sync that has seen the deletions (one expectation record per DaemonSet). */
  private async manage(key: string, ds: V1DaemonSet, hash: string, create: string[], remove: V1Pod[]): Promise<void> {
    if (remove.length > 0) {
      this.expectations.expectDeletions(key, remove.map(keyOf));
      const results = await Promise.allSettled(remove.map((p) => this.api.delete("pods", p.metadata?.namespace ?? "", p.metadata?.name ?? "", p.metadata?.uid)));
      let error: unknown;
      results.forEach((r, i) => {
        if (r.status === "rejected" && !isNotFound(r.reason)) {
          this.expectations.deletionObserved(key, keyOf(remove[i]!));
          error ??= r.reason;
        }
      });
      if (error !== undefined) throw error;
      return;
    }
    if (create.length === 0) return;
    this.expectations.expectCreations(key, create.length);
    const results = await Promise.allSettled(create.map((node) => this.api.create("pods", ds.metadata?.namespace ?? "", this.podFor(ds, hash, node))));
    let error: unknown;
    for (const r of results) {
      if (r.status === "rejected") {
        this.expectations.creationObserved(key);
        error ??= r.reason;
      }
    }
    if (error !== undefined) throw error;
  }

  private podFor(ds: V1DaemonSet, hash: string, nodeName: string): V1Pod {
    const template = ds.spec?.template;
    const spec = structuredClone(template?.spec) ?? { containers: [] };
    spec.nodeName = nodeName;
    spec.tolerations = withDaemonTolerations(spec.tolerations);
    return {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: `${ds.metadata?.name ?? ""}-${nameSuffix(this.random)}`,
        namespace: ds.metadata?.namespace,
        labels: { ...template?.metadata?.labels, [revisionHashLabel]: hash },
        ...(template?.metadata?.annotations === undefined ? {} : { annotations: { ...template.metadata.annotations } }),
        ownerReferences: [ownerRefTo(ds, "DaemonSet", "apps/v1")],
      },
      spec,
    };
  }
}

function statusChanged(old: V1DaemonSetStatus | undefined, next: V1DaemonSetStatus): boolean {
  const keys: (keyof V1DaemonSetStatus)[] = [
    "desiredNumberScheduled",
    "currentNumberScheduled",
    "numberMisscheduled",
    "numberReady",
    "numberAvailable",
    "numberUnavailable",
    "updatedNumberScheduled",
    "observedGeneration",
  ];
  return keys.some((k) => (old?.[k] ?? 0) !== (next[k] ?? 0));
}
