// Pod readiness and availability, and the order in which a ReplicaSet gives
// up pods (kube's controller.ActivePods): unassigned before assigned,
// pending before running, not ready before ready, ready for less time
// before ready for longer, more restarts first, newer before older.
import type { V1Pod } from "@kubernetes/client-node";
import { timeOf } from "../api.ts";

export function isActive(pod: V1Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== "Succeeded" && phase !== "Failed" && pod.metadata?.deletionTimestamp === undefined;
}

function readyCondition(pod: V1Pod): { status: string; since: number } | undefined {
  const c = (pod.status?.conditions ?? []).find((x) => x.type === "Ready");
  return c === undefined ? undefined : { status: c.status, since: timeOf(c.lastTransitionTime) };
}

export function isReady(pod: V1Pod): boolean {
  return readyCondition(pod)?.status === "True";
}

/** Ready for at least minReadySeconds at time now. */
export function isAvailable(pod: V1Pod, minReadySeconds: number, now: number): boolean {
  const c = readyCondition(pod);
  if (c?.status !== "True") return false;
  return minReadySeconds <= 0 || (c.since > 0 && c.since + minReadySeconds * 1000 <= now);
}

const phaseRank: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function restarts(pod: V1Pod): number {
  return (pod.status?.containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0);
}

/** Negative when a should be deleted before b. */
export function deletionOrder(a: V1Pod, b: V1Pod): number {
  const assignedA = (a.spec?.nodeName ?? "") !== "";
  const assignedB = (b.spec?.nodeName ?? "") !== "";
  if (assignedA !== assignedB) return assignedA ? 1 : -1;
  const pa = phaseRank[a.status?.phase ?? "Pending"] ?? 0;
  const pb = phaseRank[b.status?.phase ?? "Pending"] ?? 0;
  if (pa !== pb) return pa - pb;
  const ra = isReady(a);
  const rb = isReady(b);
  if (ra !== rb) return ra ? 1 : -1;
  if (ra && rb) {
    const sa = readyCondition(a)!.since;
    const sb = readyCondition(b)!.since;
    if (sa !== sb) return sb - sa; // ready more recently goes first
  }
  const ca = restarts(a);
  const cb = restarts(b);
  if (ca !== cb) return cb - ca;
  const ta = timeOf(a.metadata?.creationTimestamp);
  const tb = timeOf(b.metadata?.creationTimestamp);
  if (ta !== tb) return tb - ta;
  return (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? "");
}
