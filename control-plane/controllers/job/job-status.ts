// What a Job's pods add up to: counts, and the conditions kube's Job
// controller writes (Complete; Failed with BackoffLimitExceeded or
// DeadlineExceeded).
import type { V1Job, V1JobCondition, V1JobStatus, V1Pod } from "@kubernetes/client-node";
import { timeOf } from "../api.ts";

export function isFinished(job: V1Job): boolean {
  return (job.status?.conditions ?? []).some((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True");
}

export function finishedType(job: V1Job): "Complete" | "Failed" | undefined {
  const c = (job.status?.conditions ?? []).find((x) => (x.type === "Complete" || x.type === "Failed") && x.status === "True");
  return c?.type as "Complete" | "Failed" | undefined;
}

export interface PodCounts {
  active: V1Pod[];
  succeeded: number;
  failed: number;
  ready: number;
  /** Container restarts of the active pods (what OnFailure spends of backoffLimit). */
  restarts: number;
}

/** Counts never go down: a finished pod removed by pod GC or a user still counts. */
export function countPods(pods: V1Pod[], previous?: V1JobStatus): PodCounts {
  const active = pods.filter((p) => p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed" && p.metadata?.deletionTimestamp === undefined);
  const restarts = active.reduce((n, p) => n + [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])].reduce((m, c) => m + (c.restartCount ?? 0), 0), 0);
  return {
    active,
    succeeded: Math.max(previous?.succeeded ?? 0, pods.filter((p) => p.status?.phase === "Succeeded").length),
    failed: Math.max(previous?.failed ?? 0, pods.filter((p) => p.status?.phase === "Failed").length),
    ready: active.filter((p) => (p.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True")).length,
    restarts,
  };
}

/** Why the Job has failed now, if it has (kube checks the backoff limit before the deadline). */
export function failureOf(job: V1Job, counts: PodCounts, now: number): { reason: string; message: string } | undefined {
  const limit = job.spec?.backoffLimit ?? 6;
  const onFailure = job.spec?.template?.spec?.restartPolicy === "OnFailure";
  // kube's pastBackoffLimitOnFailure: with OnFailure, restarts in place of the active pods spend the limit.
  const pastOnFailure = onFailure && (limit === 0 ? counts.restarts > 0 : counts.restarts >= limit);
  if (counts.failed > limit || pastOnFailure) {
    return { reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" };
  }
  const deadline = deadlineOf(job);
  if (deadline !== undefined && now >= deadline) return { reason: "DeadlineExceeded", message: "Job was active longer than specified deadline" };
  return undefined;
}

/** When activeDeadlineSeconds runs out (ms), if the Job has one and has started. */
export function deadlineOf(job: V1Job): number | undefined {
  const seconds = job.spec?.activeDeadlineSeconds;
  const start = timeOf(job.status?.startTime);
  if (seconds === undefined || seconds === null || start === 0) return undefined;
  return start + seconds * 1000;
}

export function condition(type: string, reason: string, message: string, now: number): V1JobCondition {
  const at = new Date(now).toISOString() as unknown as Date;
  return { type, status: "True", reason, message, lastProbeTime: at, lastTransitionTime: at };
}

export function statusChanged(old: V1JobStatus | undefined, next: V1JobStatus): boolean {
  const pick = (s: V1JobStatus | undefined): unknown[] => [
    s?.active ?? 0,
    s?.succeeded ?? 0,
    s?.failed ?? 0,
    s?.ready ?? 0,
    timeOf(s?.startTime),
    timeOf(s?.completionTime),
    s?.completedIndexes ?? "",
    (s?.conditions ?? []).map((c) => `${c.type}=${c.status}:${c.reason ?? ""}`).join(","),
  ];
  return JSON.stringify(pick(old)) !== JSON.stringify(pick(next));
}

/** When a finished pod ended: its containers' finishedAt, else when it was made. */
function finishedAt(pod: V1Pod): number {
  const times = (pod.status?.containerStatuses ?? []).map((c) => timeOf(c.state?.terminated?.finishedAt));
  return Math.max(timeOf(pod.metadata?.creationTimestamp), ...times);
}

export const podFailureBackoffMs = { base: 10_000, max: 360_000 };

/**
 * kube's pod failure backoff: after n failures since the last success a
 * replacement waits base * 2^(n-1) (capped) from the last failure. Returns
 * the time (ms) before which no pod is created, or 0.
 */
export function createBlockedUntil(pods: V1Pod[], limits: { base: number; max: number } = podFailureBackoffMs): number {
  const lastSuccess = Math.max(0, ...pods.filter((p) => p.status?.phase === "Succeeded").map(finishedAt));
  const failures = pods.filter((p) => p.status?.phase === "Failed").map(finishedAt).filter((t) => t >= lastSuccess);
  if (failures.length === 0 || limits.base <= 0) return 0;
  const delay = Math.min(limits.max, limits.base * 2 ** (failures.length - 1));
  return Math.max(...failures) + delay;
}
