// A replicas change in the middle of a rollout is shared among the active
// ReplicaSets in proportion to their sizes (kube's deployment sync.scale),
// so that neither the old nor the new template suddenly takes it all.
import type { V1Deployment, V1ReplicaSet } from "@kubernetes/client-node";
import { byCreation, desiredReplicas, fencepostsOf, isRollingUpdate, specReplicas } from "./rollout-math.ts";

const desiredAnnotation = "deployment.kubernetes.io/desired-replicas";
const maxAnnotation = "deployment.kubernetes.io/max-replicas";

/** kube's isScalingEvent: an active ReplicaSet was sized for a different replicas count. */
export function isScalingEvent(d: V1Deployment, all: V1ReplicaSet[]): boolean {
  return all.some((rs) => {
    if (specReplicas(rs) === 0) return false;
    const desired = rs.metadata?.annotations?.[desiredAnnotation];
    return desired !== undefined && Number(desired) !== desiredReplicas(d);
  });
}

/** The newest-first (ties: larger first) or oldest-first order kube scales in. */
function bySize(growing: boolean): (a: V1ReplicaSet, b: V1ReplicaSet) => number {
  return (a, b) => {
    if (specReplicas(a) !== specReplicas(b)) return specReplicas(b) - specReplicas(a);
    return growing ? byCreation(b, a) : byCreation(a, b);
  };
}

function fraction(rs: V1ReplicaSet, d: V1Deployment): number {
  const replicas = desiredReplicas(d);
  if (replicas === 0) return -specReplicas(rs);
  const deploymentMax = replicas + fencepostsOf(d).maxSurge;
  const annotated = Number(rs.metadata?.annotations?.[maxAnnotation] ?? d.status?.replicas ?? 0);
  if (!(annotated > 0)) return 0;
  return Math.round((specReplicas(rs) * deploymentMax) / annotated) - specReplicas(rs);
}

/**
 * New sizes for the ReplicaSets (by name) after a replicas change; empty when
 * nothing is to change. A sole active ReplicaSet simply takes the new count.
 */
export function proportionalSizes(d: V1Deployment, newRS: V1ReplicaSet | undefined, oldRSs: V1ReplicaSet[]): Map<string, number> {
  const sizes = new Map<string, number>();
  const replicas = desiredReplicas(d);
  const all = newRS === undefined ? oldRSs : [newRS, ...oldRSs];
  const active = all.filter((rs) => specReplicas(rs) > 0);
  const sole = active.length === 1 ? active[0] : active.length === 0 ? (newRS ?? [...oldRSs].sort(byCreation).at(-1)) : undefined;
  if (sole !== undefined) {
    if (specReplicas(sole) !== replicas) sizes.set(sole.metadata?.name ?? "", replicas);
    return sizes;
  }
  // The new ReplicaSet already has them all: the old ones just go (kube's IsSaturated).
  const n = newRS?.metadata?.annotations?.[desiredAnnotation];
  if (newRS !== undefined && specReplicas(newRS) === replicas && Number(n) === replicas && (newRS.status?.availableReplicas ?? 0) === replicas) {
    for (const rs of active) if (rs !== newRS) sizes.set(rs.metadata?.name ?? "", 0);
    return sizes;
  }
  if (!isRollingUpdate(d)) return sizes;
  const total = active.reduce((n, rs) => n + specReplicas(rs), 0);
  const allowed = replicas > 0 ? replicas + fencepostsOf(d).maxSurge : 0;
  const toAdd = allowed - total;
  if (toAdd === 0) return sizes;
  const ordered = [...active].sort(bySize(toAdd > 0));
  let added = 0;
  for (const rs of ordered) {
    const left = toAdd - added;
    const share = left === 0 ? 0 : toAdd > 0 ? Math.min(fraction(rs, d), left) : Math.max(fraction(rs, d), left);
    sizes.set(rs.metadata?.name ?? "", specReplicas(rs) + share);
    added += share;
  }
  // What rounding left over goes to the largest.
  const first = ordered[0]!.metadata?.name ?? "";
  sizes.set(first, Math.max(0, sizes.get(first)! + toAdd - added));
  for (const rs of active) if (sizes.get(rs.metadata?.name ?? "") === specReplicas(rs)) sizes.delete(rs.metadata?.name ?? "");
  return sizes;
}
