// The Job controller: runs pods owned by the Job, up to parallelism while
// completions remain, counts how they ended into status, and marks the Job
// Complete or Failed (backoffLimit, activeDeadlineSeconds). A finished Job
// keeps its pods, as kube does; ttlSecondsAfterFinished deletes the Job
// (and, through the garbage collector, its pods) that long after it ended.
import type { V1Job, V1JobStatus, V1Pod } from "@kubernetes/client-node";
import { type CacheEvent, type ClusterApi, isNotFound, keyOf, splitKey, timeOf } from "../api.ts";
import type { Clock } from "../clock.ts";
import type { SyncResult } from "../controller-loop.ts";
import { Expectations } from "../expectations.ts";
import { controllerRefOf, ownerRefTo } from "../owners.ts";
import { slowStartBatch } from "../replicaset/replicaset-controller.ts";
import { WorkQueue } from "../work-queue.ts";
import { completedIndexes, formatIndexes, indexesToCreate, isIndexed, withIndex } from "./indexed.ts";
import { condition, countPods, createBlockedUntil, podFailureBackoffMs, deadlineOf, failureOf, finishedType, isFinished, type PodCounts, statusChanged } from "./job-status.ts";

const nameAlphabet = "bcdfghjklmnpqrstvwxz2456789";

export interface JobControllerOptions {
  clock: Clock;
  /** Random source in [0, 1) for pod name suffixes. */
  random?: () => number;
  /** Delay before replacing failed pods: base doubling per failure up to max (kube: 10 s, 6 min); base 0 turns it off. */
  podFailureBackoff?: { base: number; max: number };
}

export class JobController {
  readonly name = "job";
  readonly queue: WorkQueue;
  readonly expectations: Expectations;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly backoff: { base: number; max: number };
  private readonly verdicts = new Map<string, { uid?: string; reason: string; message: string; failed: number }>();

  constructor(
    private readonly api: ClusterApi,
    opts: JobControllerOptions,
  ) {
    this.clock = opts.clock;
    this.random = opts.random ?? Math.random;
    this.backoff = opts.podFailureBackoff ?? podFailureBackoffMs;
    this.queue = new WorkQueue(this.clock);
    this.expectations = new Expectations(this.clock);
    api.cache("jobs").subscribe((e) => this.onJob(e));
    api.cache("pods").subscribe((e) => this.onPod(e));
  }

  /** Listed objects carry no kind; the Event's involvedObject needs it. */
  private record(job: V1Job, type: "Normal" | "Warning", reason: string, message: string): void {
    this.api.event?.({ ...job, apiVersion: "batch/v1", kind: "Job" }, type, reason, message);
  }

  private onJob(e: CacheEvent<V1Job>): void {
    if (e.type === "delete") this.expectations.forget(keyOf(e.object));
    this.queue.add(keyOf(e.object));
  }

  /** The key of the Job that controls the pod, if it is one in the cache. */
  private ownerKey(pod: V1Pod): string | undefined {
    const ref = controllerRefOf(pod);
    if (ref?.kind !== "Job") return undefined;
    const job = this.api.cache("jobs").get(pod.metadata?.namespace ?? "", ref.name);
    return job?.metadata?.uid === ref.uid ? keyOf(job) : undefined;
  }

  private onPod(e: CacheEvent<V1Pod>): void {
    const owner = this.ownerKey(e.object);
    if (owner === undefined) return;
    if (e.type === "add") this.expectations.creationObserved(owner);
    if (e.type === "delete" || (e.type === "update" && e.object.metadata?.deletionTimestamp !== undefined)) this.expectations.deletionObserved(owner, keyOf(e.object));
    this.queue.add(owner);
  }

  private ownedPods(job: V1Job): V1Pod[] {
    const uid = job.metadata?.uid;
    return this.api
      .cache("pods")
      .list(job.metadata?.namespace)
      .filter((p) => controllerRefOf(p)?.uid === uid);
  }

  async sync(key: string): Promise<SyncResult> {
    const { namespace, name } = splitKey(key);
    const job = this.api.cache("jobs").get(namespace, name);
    if (job === undefined) {
      this.expectations.forget(key);
      this.verdicts.delete(key);
      return {};
    }
    if (isFinished(job)) {
      this.verdicts.delete(key);
      return this.expireFinished(job);
    }
    if (job.metadata?.deletionTimestamp !== undefined) return {};
    const now = this.clock.now();
    const pods = this.ownedPods(job);
    const counts = countPods(pods, job.status);
    const status: V1JobStatus = { ...structuredClone(job.status ?? {}) };
    let done: Set<number> | undefined;
    if (isIndexed(job)) {
      done = completedIndexes(job, pods);
      counts.succeeded = done.size;
      if (done.size > 0) status.completedIndexes = formatIndexes(done);
    }
    const suspended = job.spec?.suspend === true;
    if (!suspended && status.startTime === undefined) status.startTime = new Date(now).toISOString() as unknown as Date;
    this.suspendCondition(job, status, suspended, now);
    const withStart: V1Job = { ...job, status };
    // A suspended Job's deadline does not run: resuming restarts startTime.
    // A failure decided earlier whose status write was lost (a conflict) stands: its pods are gone now.
    const earlier = this.verdicts.get(key);
    const failure = earlier?.uid === job.metadata?.uid ? earlier : failureOf(suspended ? { ...withStart, spec: { ...job.spec!, activeDeadlineSeconds: undefined } } : withStart, counts, now);
    if (earlier !== undefined && earlier.uid === job.metadata?.uid) counts.failed = Math.max(counts.failed, earlier.failed - counts.active.length);
    const completions = job.spec?.completions;
    let manageError: unknown;
    let active = counts.active;
    if (failure !== undefined) {
      await this.deletePods(key, counts.active);
      // Pods removed before they finished count as failed, as in kube.
      counts.failed += counts.active.length;
      this.verdicts.set(key, { ...failure, uid: job.metadata?.uid, failed: counts.failed });
      active = [];
      status.conditions = [...(status.conditions ?? []), condition("Failed", failure.reason, failure.message, now)];
      this.record(job, "Warning", failure.reason, failure.message);
    } else if (this.complete(job, counts)) {
      status.conditions = [...(status.conditions ?? []), condition("Complete", "CompletionsReached", "Reached expected number of succeeded pods", now)];
      status.completionTime = new Date(now).toISOString() as unknown as Date;
      this.record(job, "Normal", "Completed", "Job completed");
    } else if (this.expectations.satisfied(key)) {
      try {
        active = await this.manage(key, job, counts, suspended, done);
      } catch (err) {
        manageError = err;
      }
    }
    status.active = active.length;
    status.succeeded = counts.succeeded;
    status.failed = counts.failed;
    status.ready = counts.ready;
    if (statusChanged(job.status, status)) await this.api.updateStatus("jobs", { ...job, status });
    if (manageError !== undefined) throw manageError;
    const deadline = deadlineOf(withStart);
    if (failure === undefined && deadline !== undefined && completions !== 0) return { requeueAfterMs: Math.max(1, deadline - now) };
    return {};
  }

  /** kube's Suspended condition: True while suspended; on resume False (JobResumed) and a new startTime. */
  private suspendCondition(job: V1Job, status: V1JobStatus, suspended: boolean, now: number): void {
    const current = (status.conditions ?? []).find((c) => c.type === "Suspended");
    const at = new Date(now).toISOString() as unknown as Date;
    if (suspended && current?.status !== "True") {
      const others = (status.conditions ?? []).filter((c) => c.type !== "Suspended");
      status.conditions = [...others, { type: "Suspended", status: "True", reason: "JobSuspended", message: "Job suspended", lastProbeTime: at, lastTransitionTime: at }];
      this.record(job, "Normal", "Suspended", "Job suspended");
    } else if (!suspended && current?.status === "True") {
      status.conditions = (status.conditions ?? []).map((c) => (c.type === "Suspended" ? { ...c, status: "False", reason: "JobResumed", message: "Job resumed", lastProbeTime: at, lastTransitionTime: at } : c));
      status.startTime = at;
      this.record(job, "Normal", "Resumed", "Job resumed");
    }
  }

  /** Complete: completions succeeded pods, or (no completions: a work queue) one succeeded and none active. */
  private complete(job: V1Job, counts: PodCounts): boolean {
    const completions = job.spec?.completions;
    if (completions === undefined || completions === null) return counts.succeeded > 0 && counts.active.length === 0;
    return counts.succeeded >= completions;
  }

  /** Creates or deletes pods towards the wanted number of active pods; returns the active pods left. */
  private async manage(key: string, job: V1Job, counts: PodCounts, suspended: boolean, done: Set<number> | undefined): Promise<V1Pod[]> {
    const parallelism = suspended ? 0 : (job.spec?.parallelism ?? 1);
    const completions = job.spec?.completions;
    const wanted =
      completions === undefined || completions === null
        ? counts.succeeded > 0
          ? Math.min(counts.active.length, parallelism)
          : parallelism
        : Math.max(0, Math.min(parallelism, completions - counts.succeeded));
    let diff = wanted - counts.active.length;
    const blockedUntil = diff > 0 ? createBlockedUntil(this.ownedPods(job), this.backoff) : 0;
    if (blockedUntil > this.clock.now()) {
      // Replacements of failed pods wait; the key comes back when the backoff ends.
      this.queue.addAfter(key, blockedUntil - this.clock.now());
      return counts.active;
    }
    const indexes = done === undefined ? [] : indexesToCreate(job, done, counts.active, diff);
    if (done !== undefined && diff > 0) diff = indexes.length;
    if (diff > 0) {
      this.expectations.expectCreations(key, diff);
      let next = 0;
      const { successes, error } = await slowStartBatch(diff, async () => {
        const pod = await this.api.create("pods", job.metadata?.namespace ?? "", this.podFor(job, done === undefined ? undefined : indexes[next++]));
        this.record(job, "Normal", "SuccessfulCreate", `Created pod: ${pod.metadata?.name ?? ""}`);
      });
      for (let i = successes; i < diff; i++) this.expectations.creationObserved(key);
      if (error !== undefined) throw error;
      return counts.active;
    }
    if (diff < 0) {
      // The newest go first: they have done the least work.
      const victims = [...counts.active].sort((a, b) => timeOf(b.metadata?.creationTimestamp) - timeOf(a.metadata?.creationTimestamp)).slice(0, -diff);
      await this.deletePods(key, victims);
      return counts.active.filter((p) => !victims.includes(p));
    }
    return counts.active;
  }

  private async deletePods(key: string, pods: V1Pod[]): Promise<void> {
    if (pods.length === 0) return;
    this.expectations.expectDeletions(key, pods.map(keyOf));
    const results = await Promise.allSettled(pods.map((p) => this.api.delete("pods", p.metadata?.namespace ?? "", p.metadata?.name ?? "", p.metadata?.uid)));
    let error: unknown;
    results.forEach((r, i) => {
      if (r.status === "rejected" && !isNotFound(r.reason)) {
        this.expectations.deletionObserved(key, keyOf(pods[i]!));
        error ??= r.reason;
      }
    });
    if (error !== undefined) throw error;
  }

  /** ttlSecondsAfterFinished: delete the Job that long after it finished (kube's ttl-after-finished controller). */
  private async expireFinished(job: V1Job): Promise<SyncResult> {
    const ttl = job.spec?.ttlSecondsAfterFinished;
    if (ttl === undefined || ttl === null || job.metadata?.deletionTimestamp !== undefined) return {};
    const type = finishedType(job);
    const finishedAt = timeOf((job.status?.conditions ?? []).find((c) => c.type === type)?.lastTransitionTime) || timeOf(job.status?.completionTime);
    const expiry = finishedAt + ttl * 1000;
    const now = this.clock.now();
    if (now < expiry) return { requeueAfterMs: expiry - now };
    try {
      await this.api.delete("jobs", job.metadata?.namespace ?? "", job.metadata?.name ?? "", job.metadata?.uid);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    return {};
  }

  private podFor(job: V1Job, index?: number): V1Pod {
    const template = job.spec?.template;
    let suffix = "";
    for (let i = 0; i < 5; i++) suffix += nameAlphabet[Math.floor(this.random() * nameAlphabet.length)];
    const pod: V1Pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: `${job.metadata?.name ?? ""}-${suffix}`,
        namespace: job.metadata?.namespace,
        labels: { ...template?.metadata?.labels },
        ...(template?.metadata?.annotations === undefined ? {} : { annotations: { ...template.metadata.annotations } }),
        ownerReferences: [ownerRefTo(job, "Job", "batch/v1")],
      },
      spec: structuredClone(template?.spec) ?? { containers: [] },
    };
    return index === undefined ? pod : withIndex(pod, job.metadata?.name ?? "", index, suffix);
  }
}
