// The arithmetic of a rolling update, as Kubernetes' deployment util does it:
// maxSurge rounds percentages up, maxUnavailable rounds them down, and if
// both come to zero one pod may be unavailable so the rollout can move.
import type { V1Deployment, V1ReplicaSet } from "@kubernetes/client-node";

export type IntOrPercent = number | string | undefined;

/** kube's intstr.GetScaledValueFromIntOrPercent. */
export function scaledValue(value: IntOrPercent, total: number, roundUp: boolean): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === "number") return value;
  const m = /^(\d+)%$/.exec(value);
  if (m === null) {
    if (/^\d+$/.test(value)) return Number(value);
    throw new Error(`invalid value for IntOrString: invalid value "${value}": must be an integer or percentage`);
  }
  const scaled = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

export interface Fenceposts {
  maxSurge: number;
  maxUnavailable: number;
}

export function resolveFenceposts(maxSurge: IntOrPercent, maxUnavailable: IntOrPercent, replicas: number): Fenceposts {
  const surge = scaledValue(maxSurge, replicas, true);
  let unavailable = scaledValue(maxUnavailable, replicas, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { maxSurge: surge, maxUnavailable: unavailable };
}

export function desiredReplicas(d: V1Deployment): number {
  return d.spec?.replicas ?? 1;
}

export function isRollingUpdate(d: V1Deployment): boolean {
  return d.spec?.strategy?.type !== "Recreate";
}

export function fencepostsOf(d: V1Deployment): Fenceposts {
  if (!isRollingUpdate(d)) return { maxSurge: 0, maxUnavailable: 0 };
  const ru = d.spec?.strategy?.rollingUpdate;
  return resolveFenceposts((ru?.maxSurge as IntOrPercent) ?? "25%", (ru?.maxUnavailable as IntOrPercent) ?? "25%", desiredReplicas(d));
}

export function specReplicas(rs: V1ReplicaSet): number {
  return rs.spec?.replicas ?? 0;
}

/**
 * Pods a ReplicaSet may have: its spec, or more while its controller has not
 * yet deleted the pods of a scale-down (status still counts them). Counting
 * these keeps total pods within replicas+maxSurge at every moment.
 */
export function podsOf(rs: V1ReplicaSet): number {
  return Math.max(specReplicas(rs), rs.status?.replicas ?? 0);
}

/**
 * Available pods a ReplicaSet may be counted on for: a ReplicaSet just told
 * to shrink will lose pods it still reports available.
 */
export function availableOf(rs: V1ReplicaSet): number {
  return Math.min(specReplicas(rs), rs.status?.availableReplicas ?? 0);
}

/** kube's NewRSNewReplicas for RollingUpdate: how far the new ReplicaSet may grow now. */
export function newReplicaSetReplicas(d: V1Deployment, all: V1ReplicaSet[], newRS: V1ReplicaSet | undefined): number {
  const replicas = desiredReplicas(d);
  const current = newRS === undefined ? 0 : specReplicas(newRS);
  if (!isRollingUpdate(d)) return replicas;
  const { maxSurge } = fencepostsOf(d);
  const podCount = all.reduce((n, rs) => n + podsOf(rs), 0);
  const maxTotal = replicas + maxSurge;
  if (podCount >= maxTotal) return current;
  return current + Math.max(0, Math.min(maxTotal - podCount, replicas - current));
}

/**
 * How many replicas the old ReplicaSets may lose in total now without
 * available pods falling below replicas-maxUnavailable (kube's
 * scaleDownOldReplicaSetsForRollingUpdate), with unhealthy old replicas
 * going first (cleanupUnhealthyReplicas). Returns new spec.replicas per old
 * ReplicaSet name, oldest first.
 */
export function oldReplicaSetScaleDown(d: V1Deployment, oldRSs: V1ReplicaSet[], newRS: V1ReplicaSet): Map<string, number> {
  const result = new Map<string, number>();
  const oldPods = oldRSs.reduce((n, rs) => n + specReplicas(rs), 0);
  if (oldPods === 0) return result;
  const all = [...oldRSs, newRS];
  const allPods = all.reduce((n, rs) => n + specReplicas(rs), 0);
  const minAvailable = desiredReplicas(d) - fencepostsOf(d).maxUnavailable;
  const newUnavailable = specReplicas(newRS) - availableOf(newRS);
  const maxScaledDown = allPods - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return result;
  const target = new Map(oldRSs.map((rs) => [rs.metadata?.name ?? "", specReplicas(rs)]));
  const oldest = [...oldRSs].sort(byCreation);
  // Unhealthy replicas first: they are not available, so removing them costs nothing.
  let cleaned = 0;
  for (const rs of oldest) {
    if (cleaned >= maxScaledDown) break;
    const name = rs.metadata?.name ?? "";
    const unhealthy = specReplicas(rs) - availableOf(rs);
    if (unhealthy <= 0) continue;
    const n = Math.min(maxScaledDown - cleaned, unhealthy);
    target.set(name, specReplicas(rs) - n);
    cleaned += n;
  }
  // Then available ones, as far as minAvailable allows.
  const available = all.reduce((n, rs) => n + availableOf(rs), 0);
  let budget = Math.min(available - minAvailable, maxScaledDown - cleaned);
  for (const rs of oldest) {
    if (budget <= 0) break;
    const name = rs.metadata?.name ?? "";
    const n = Math.min(target.get(name)!, budget);
    target.set(name, target.get(name)! - n);
    budget -= n;
  }
  for (const rs of oldRSs) {
    const name = rs.metadata?.name ?? "";
    if (target.get(name) !== specReplicas(rs)) result.set(name, target.get(name)!);
  }
  return result;
}

export function byCreation(a: V1ReplicaSet, b: V1ReplicaSet): number {
  const ta = new Date(a.metadata?.creationTimestamp ?? 0).getTime();
  const tb = new Date(b.metadata?.creationTimestamp ?? 0).getTime();
  return ta - tb || (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? "");
}
