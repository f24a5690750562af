// The StatefulSet controller (kube's defaultStatefulSetControl): pods
// <set>-0..N-1 with stable names and DNS identities. OrderedReady creates
// ordinal i only once 0..i-1 are Running and Ready and scales down from the
// highest ordinal, one pod at a time; Parallel creates and deletes all at
// once. A RollingUpdate replaces pods from the highest ordinal down to the
// partition, one at a time, each only after the ones above are Ready again.
// Names are deterministic, so a create repeated from a stale cache fails
// with AlreadyExists instead of doubling a pod: no expectations needed.
import type { V1Pod, V1StatefulSet, V1StatefulSetStatus } from "@kubernetes/client-node";
import { type CacheEvent, type ClusterApi, isConflict, keyOf, splitKey } from "../api.ts";
import { claimPods, ignoreNotFound } from "../claim-pods.ts";
import type { Clock } from "../clock.ts";
import type { SyncResult } from "../controller-loop.ts";
import { controllerRefOf, selectorMatches } from "../owners.ts";
import { isAvailable, isReady } from "../replicaset/pod-state.ts";
import { WorkQueue } from "../work-queue.ts";
import { claimsFor, withClaims } from "./stateful-claims.ts";
import { isFailed, isRunningAndReady, isTerminating, newStatefulPod, ordinalOf, revisionOf, templateFor, updateRevisionOf } from "./stateful-pods.ts";

export interface StatefulSetControllerOptions {
  clock: Clock;
}

export class StatefulSetController {
  readonly name = "statefulset";
  readonly queue: WorkQueue;
  private readonly clock: Clock;

  constructor(
    private readonly api: ClusterApi,
    opts: StatefulSetControllerOptions,
  ) {
    this.clock = opts.clock;
    this.queue = new WorkQueue(this.clock);
    api.cache("statefulsets").subscribe((e) => this.queue.add(keyOf(e.object)));
    api.cache("pods").subscribe((e) => this.onPod(e));
  }

  private onPod(e: CacheEvent<V1Pod>): void {
    const pod = e.object;
    const ref = controllerRefOf(pod);
    if (ref !== undefined) {
      if (ref.kind === "StatefulSet") this.queue.add(`${pod.metadata?.namespace ?? ""}/${ref.name}`);
      return;
    }
    if (e.type === "delete") return;
    for (const set of this.api.cache("statefulsets").list(pod.metadata?.namespace)) {
      if (selectorMatches(set.spec?.selector, pod.metadata?.labels)) this.queue.add(keyOf(set));
    }
  }

  async sync(key: string): Promise<SyncResult> {
    const { namespace, name } = splitKey(key);
    const set = this.api.cache("statefulsets").get(namespace, name);
    if (set === undefined) return {};
    const owned = await claimPods(this.api, { object: set, kind: "StatefulSet", apiVersion: "apps/v1", selector: set.spec?.selector }, this.api.cache("pods").list(namespace));
    const pods = owned.filter((p) => ordinalOf(set, p) !== undefined);
    const updateRevision = updateRevisionOf(set);
    const currentRevision = set.status?.currentRevision || updateRevision;
    if (set.metadata?.deletionTimestamp === undefined) await this.converge(set, pods, currentRevision, updateRevision);
    const status = this.statusOf(set, pods, currentRevision, updateRevision);
    if (statusChanged(set.status, status)) await this.api.updateStatus("statefulsets", { ...set, status });
    const minReady = set.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && status.readyReplicas !== status.availableReplicas) return { requeueAfterMs: minReady * 1000 };
    return {};
  }

  /** One pass of kube's updateStatefulSet: returns after the step that has to wait for the cluster. */
  private async converge(set: V1StatefulSet, pods: V1Pod[], currentRevision: string, updateRevision: string): Promise<void> {
    const replicas = set.spec?.replicas ?? 1;
    const ordered = (set.spec?.podManagementPolicy ?? "OrderedReady") === "OrderedReady";
    const partition = set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
    const rolling = (set.spec?.updateStrategy?.type ?? "RollingUpdate") === "RollingUpdate";
    const byOrdinal = new Map<number, V1Pod>();
    for (const p of pods) byOrdinal.set(ordinalOf(set, p)!, p);
    // Ordinals below the partition keep the current revision when they are (re)created (kube's newVersionedStatefulSetPod).
    const revisionFor = (ordinal: number): string => (rolling && ordinal < partition ? currentRevision : updateRevision);

    for (let i = 0; i < replicas; i++) {
      const pod = byOrdinal.get(i);
      if (pod === undefined) {
        const { template, revision } = templateFor(set, revisionFor(i), pods);
        await this.ensureClaims(set, i);
        await this.createPod(withClaims(newStatefulPod(set, i, template, revision), set, i));
        if (ordered) return;
        continue;
      }
      if (isFailed(pod) && !isTerminating(pod)) {
        await this.deletePod(pod);
        if (ordered) return;
        continue;
      }
      if (ordered && (isTerminating(pod) || !isRunningAndReady(pod))) return;
    }

    const condemned = pods.filter((p) => ordinalOf(set, p)! >= replicas).sort((a, b) => ordinalOf(set, b)! - ordinalOf(set, a)!);
    for (const pod of condemned) {
      if (isTerminating(pod)) {
        if (ordered) return;
        continue;
      }
      // OrderedReady removes a pod only while all the others are Running and Ready.
      if (ordered && pods.some((p) => p !== pod && (!isRunningAndReady(p) || isTerminating(p)))) return;
      await this.deletePod(pod);
      if (ordered) return;
    }
    if (condemned.length > 0 && ordered) return;
    if (!rolling) return;

    // Rolling update: from the highest ordinal down to the partition, one pod at a time.
    for (let i = replicas - 1; i >= partition; i--) {
      const pod = byOrdinal.get(i);
      if (pod === undefined) return;
      if (revisionOf(pod) !== updateRevision && !isTerminating(pod)) {
        await this.deletePod(pod);
        return;
      }
      if (!isRunningAndReady(pod) || isTerminating(pod)) return;
    }
  }

  /** Creates the pod's missing claims (kept after the pod: kube's Retain retention policy). */
  private async ensureClaims(set: V1StatefulSet, ordinal: number): Promise<void> {
    for (const claim of claimsFor(set, ordinal)) {
      if (this.api.cache("persistentvolumeclaims").get(claim.metadata?.namespace ?? "", claim.metadata?.name ?? "") !== undefined) continue;
      try {
        await this.api.create("persistentvolumeclaims", claim.metadata?.namespace ?? "", claim);
      } catch (err) {
        if (!isConflict(err)) throw err;
      }
    }
  }

  private async createPod(pod: V1Pod): Promise<void> {
    try {
      await this.api.create("pods", pod.metadata?.namespace ?? "", pod);
    } catch (err) {
      // Created already (this cache has not seen it yet): its event brings the next sync.
      if (!isConflict(err)) throw err;
    }
  }

  private async deletePod(pod: V1Pod): Promise<void> {
    try {
      await ignoreNotFound(() => this.api.delete("pods", pod.metadata?.namespace ?? "", pod.metadata?.name ?? "", pod.metadata?.uid));
    } catch (err) {
      // The uid precondition failed: that name already holds a newer pod.
      if (!isConflict(err)) throw err;
    }
  }

  private statusOf(set: V1StatefulSet, pods: V1Pod[], currentRevision: string, updateRevision: string): V1StatefulSetStatus {
    const live = pods.filter((p) => !isTerminating(p));
    const minReady = set.spec?.minReadySeconds ?? 0;
    const now = this.clock.now();
    const status: V1StatefulSetStatus = {
      observedGeneration: set.metadata?.generation,
      replicas: live.length,
      readyReplicas: live.filter(isReady).length,
      availableReplicas: live.filter((p) => isAvailable(p, minReady, now)).length,
      currentReplicas: live.filter((p) => revisionOf(p) === currentRevision).length,
      updatedReplicas: live.filter((p) => revisionOf(p) === updateRevision).length,
      currentRevision,
      updateRevision,
      collisionCount: set.status?.collisionCount ?? 0,
    };
    // The rollout is complete once every replica runs the update revision (kube's completeRollingUpdate).
    const replicas = set.spec?.replicas ?? 1;
    if (status.updatedReplicas === replicas && status.readyReplicas === replicas && status.replicas === replicas) {
      status.currentRevision = updateRevision;
      status.currentReplicas = status.updatedReplicas;
    }
    return status;
  }
}

function statusChanged(old: V1StatefulSetStatus | undefined, next: V1StatefulSetStatus): boolean {
  const keys: (keyof V1StatefulSetStatus)[] = ["observedGeneration", "replicas", "readyReplicas", "availableReplicas", "currentReplicas", "updatedReplicas", "currentRevision", "updateRevision", "collisionCount"];
  return keys.some((k) => (old?.[k] ?? 0) !== (next[k] ?? 0));
}
