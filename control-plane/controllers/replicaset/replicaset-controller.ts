// The ReplicaSet controller: keeps `replicas` active pods matching the
// selector, owned by the ReplicaSet, and reports what it sees in status.
import type { V1Pod, V1ReplicaSet, V1ReplicaSetStatus } from "@kubernetes/client-node";
import { type CacheEvent, type ClusterApi, isNotFound, keyOf, splitKey } from "../api.ts";
import type { Clock } from "../clock.ts";
import type { SyncResult } from "../controller-loop.ts";
import { Expectations } from "../expectations.ts";
import { controllerRefOf, ownerRefTo, selectorMatches, withControllerRef, withoutOwnerRef } from "../owners.ts";
import { WorkQueue } from "../work-queue.ts";
import { deletionOrder, isActive, isAvailable, isReady } from "./pod-state.ts";

const nameAlphabet = "bcdfghjklmnpqrstvwxz2456789";

export interface ReplicaSetControllerOptions {
  clock: Clock;
  /** Random source in [0, 1) for pod name suffixes. */
  random?: () => number;
  /** At most this many creates or deletes per sync (kube's burstReplicas). */
  burstReplicas?: number;
}

export class ReplicaSetController {
  readonly name = "replicaset";
  readonly queue: WorkQueue;
  readonly expectations: Expectations;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly burst: number;

  constructor(
    private readonly api: ClusterApi,
    opts: ReplicaSetControllerOptions,
  ) {
    this.clock = opts.clock;
    this.random = opts.random ?? Math.random;
    this.burst = opts.burstReplicas ?? 500;
    this.queue = new WorkQueue(this.clock);
    this.expectations = new Expectations(this.clock);
    api.cache("replicasets").subscribe((e) => this.onReplicaSet(e));
    api.cache("pods").subscribe((e) => this.onPod(e));
  }

  private onReplicaSet(e: CacheEvent<V1ReplicaSet>): void {
    if (e.type === "delete") this.expectations.forget(keyOf(e.object));
    this.queue.add(keyOf(e.object));
  }

  /** The key of the ReplicaSet that controls the pod, if it is one in the cache. */
  private ownerKey(pod: V1Pod): string | undefined {
    const ref = controllerRefOf(pod);
    if (ref?.kind !== "ReplicaSet") return undefined;
    const rs = this.api.cache("replicasets").get(pod.metadata?.namespace ?? "", ref.name);
    return rs?.metadata?.uid === ref.uid ? keyOf(rs) : undefined;
  }

  private enqueueMatching(pod: V1Pod): void {
    for (const rs of this.api.cache("replicasets").list(pod.metadata?.namespace)) {
      if (selectorMatches(rs.spec?.selector, pod.metadata?.labels)) this.queue.add(keyOf(rs));
    }
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
    if (e.type === "update") {
      const oldOwner = this.ownerKey(e.old);
      if (oldOwner !== undefined && oldOwner !== owner) this.queue.add(oldOwner);
      if (pod.metadata?.deletionTimestamp !== undefined && owner !== undefined) this.expectations.deletionObserved(owner, keyOf(pod));
    }
    if (owner !== undefined) this.queue.add(owner);
    else if (isActive(pod)) this.enqueueMatching(pod);
  }

  async sync(key: string): Promise<SyncResult> {
    const { namespace, name } = splitKey(key);
    const rs = this.api.cache("replicasets").get(namespace, name);
    if (rs === undefined) {
      this.expectations.forget(key);
      return {};
    }
    const needsManage = this.expectations.satisfied(key);
    const active = this.api.cache("pods").list(namespace).filter(isActive);
    const pods = await this.claimPods(rs, active);
    let manageError: unknown;
    if (needsManage && rs.metadata?.deletionTimestamp === undefined) {
      try {
        await this.manageReplicas(key, rs, pods);
      } catch (err) {
        manageError = err;
      }
    }
    const status = this.calculateStatus(rs, pods, manageError);
    if (statusChanged(rs.status, status)) await this.api.updateStatus("replicasets", { ...rs, status });
    if (manageError !== undefined) throw manageError;
    const minReady = rs.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && status.readyReplicas !== status.availableReplicas) return { requeueAfterMs: minReady * 1000 };
    return {};
  }

  /** Adopts orphans matching the selector and releases owned pods that no longer match. */
  private async claimPods(rs: V1ReplicaSet, active: V1Pod[]): Promise<V1Pod[]> {
    const uid = rs.metadata?.uid ?? "";
    const claimed: V1Pod[] = [];
    for (const pod of active) {
      const ref = controllerRefOf(pod);
      const matches = selectorMatches(rs.spec?.selector, pod.metadata?.labels);
      if (ref !== undefined) {
        if (ref.uid !== uid) continue;
        if (matches) claimed.push(pod);
        else if (!(await this.write(() => this.api.update("pods", withoutOwnerRef(pod, uid))))) continue;
      } else if (matches && rs.metadata?.deletionTimestamp === undefined) {
        const adopted = await this.write(() => this.api.update("pods", withControllerRef(pod, ownerRefTo(rs, "ReplicaSet", "apps/v1"))));
        if (adopted !== undefined) claimed.push(adopted);
      }
    }
    return claimed;
  }

  /** Runs a write; a pod that is gone meanwhile is no error. */
  private async write<T>(op: () => Promise<T>): Promise<T | undefined> {
    try {
      return await op();
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async manageReplicas(key: string, rs: V1ReplicaSet, pods: V1Pod[]): Promise<void> {
    const diff = pods.length - (rs.spec?.replicas ?? 1);
    if (diff < 0) {
      const n = Math.min(-diff, this.burst);
      this.expectations.expectCreations(key, n);
      const { successes, error } = await slowStartBatch(n, () => this.api.create("pods", rs.metadata?.namespace ?? "", this.podFor(rs)));
      // Creates that failed or were never tried will not be observed.
      for (let i = successes; i < n; i++) this.expectations.creationObserved(key);
      if (error !== undefined) throw error;
    } else if (diff > 0) {
      const victims = [...pods].sort(deletionOrder).slice(0, Math.min(diff, this.burst));
      this.expectations.expectDeletions(key, victims.map(keyOf));
      const results = await Promise.allSettled(victims.map((p) => this.api.delete("pods", p.metadata?.namespace ?? "", p.metadata?.name ?? "", p.metadata?.uid)));
      let error: unknown;
      results.forEach((r, i) => {
        if (r.status === "rejected" && !isNotFound(r.reason)) {
          this.expectations.deletionObserved(key, keyOf(victims[i]!));
          error ??= r.reason;
        }
      });
      if (error !== undefined) throw error;
    }
  }

  private podFor(rs: V1ReplicaSet): V1Pod {
    const template = rs.spec?.template;
    let suffix = "";
    for (let i = 0; i < 5; i++) suffix += nameAlphabet[Math.floor(this.random() * nameAlphabet.length)];
    return {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: `${rs.metadata?.name ?? ""}-${suffix}`,
        namespace: rs.metadata?.namespace,
        labels: { ...template?.metadata?.labels },
        ...(template?.metadata?.annotations === undefined ? {} : { annotations: { ...template.metadata.annotations } }),
        ownerReferences: [ownerRefTo(rs, "ReplicaSet", "apps/v1")],
      },
      spec: structuredClone(template?.spec) ?? { containers: [] },
    };
  }

  private calculateStatus(rs: V1ReplicaSet, pods: V1Pod[], manageError: unknown): V1ReplicaSetStatus {
    const templateLabels = rs.spec?.template?.metadata?.labels ?? {};
    const minReady = rs.spec?.minReadySeconds ?? 0;
    const now = this.clock.now();
    const status: V1ReplicaSetStatus = {
      replicas: pods.length,
      fullyLabeledReplicas: pods.filter((p) => Object.entries(templateLabels).every(([k, v]) => p.metadata?.labels?.[k] === v)).length,
      readyReplicas: pods.filter(isReady).length,
      availableReplicas: pods.filter((p) => isAvailable(p, minReady, now)).length,
      observedGeneration: rs.metadata?.generation,
    };
    const failed = manageError !== undefined && pods.length < (rs.spec?.replicas ?? 1);
    const others = (rs.status?.conditions ?? []).filter((c) => c.type !== "ReplicaFailure");
    const previous = (rs.status?.conditions ?? []).find((c) => c.type === "ReplicaFailure");
    const message = manageError instanceof Error ? manageError.message : String(manageError);
    const conditions = failed
      ? [...others, { type: "ReplicaFailure", status: "True", reason: "FailedCreate", message, lastTransitionTime: previous?.lastTransitionTime ?? new Date(now) }]
      : others;
    if (conditions.length > 0) status.conditions = conditions;
    return status;
  }
}

function statusChanged(old: V1ReplicaSetStatus | undefined, next: V1ReplicaSetStatus): boolean {
  const pick = (s: V1ReplicaSetStatus | undefined): unknown[] => [
    s?.replicas ?? 0,
    s?.fullyLabeledReplicas ?? 0,
    s?.readyReplicas ?? 0,
    s?.availableReplicas ?? 0,
    s?.observedGeneration ?? 0,
    (s?.conditions ?? []).map((c) => `${c.type}=${c.status}:${c.reason ?? ""}`).join(","),
  ];
  return JSON.stringify(pick(old)) !== JSON.stringify(pick(next));
}

/**
 * Runs count calls in batches of 1, 2, 4, ... and stops after the first
 * batch with a failure, so a failing create costs one call, not hundreds.
 */
export async function slowStartBatch(count: number, call: () => Promise<unknown>): Promise<{ successes: number; error?: unknown }> {
  let successes = 0;
  let remaining = count;
  for (let batch = Math.min(remaining, 1); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, call));
    successes += results.filter((r) => r.status === "fulfilled").length;
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed !== undefined) return { successes, error: failed.reason };
    remaining -= batch;
  }
  return { successes };
}
