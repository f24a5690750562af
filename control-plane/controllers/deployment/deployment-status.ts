// Deployment status and its Available and Progressing conditions, with the
// reasons kube uses, which `kubectl rollout status` and `describe` read.
import type { V1Deployment, V1DeploymentCondition, V1DeploymentStatus, V1ReplicaSet } from "@kubernetes/client-node";
import { desiredReplicas, fencepostsOf, specReplicas } from "./rollout-math.ts";

export const reasons = {
  minimumReplicasAvailable: "MinimumReplicasAvailable",
  minimumReplicasUnavailable: "MinimumReplicasUnavailable",
  newReplicaSetCreated: "NewReplicaSetCreated",
  foundNewReplicaSet: "FoundNewReplicaSet",
  replicaSetUpdated: "ReplicaSetUpdated",
  newReplicaSetAvailable: "NewReplicaSetAvailable",
  progressDeadlineExceeded: "ProgressDeadlineExceeded",
  deploymentPaused: "DeploymentPaused",
  deploymentResumed: "DeploymentResumed",
} as const;

/** Timestamps go out as RFC 3339 seconds, like metav1.Time; the models type them as Date. */
export function timestamp(ms: number): Date {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, "Z") as unknown as Date;
}

export function conditionOf(status: V1DeploymentStatus | undefined, type: string): V1DeploymentCondition | undefined {
  return (status?.conditions ?? []).find((c) => c.type === type);
}

/** kube's SetDeploymentCondition: same status and reason leaves it as it is; same status keeps the transition time. */
export function setCondition(status: V1DeploymentStatus, c: V1DeploymentCondition): void {
  const current = conditionOf(status, c.type);
  if (current !== undefined && current.status === c.status && current.reason === c.reason) return;
  if (current !== undefined && current.status === c.status) c.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((x) => x.type !== c.type), c];
}

export function removeCondition(status: V1DeploymentStatus, type: string): void {
  status.conditions = (status.conditions ?? []).filter((x) => x.type !== type);
  if (status.conditions.length === 0) delete status.conditions;
}

export function condition(type: string, status: string, reason: string, message: string, now: number): V1DeploymentCondition {
  return { type, status, reason, message, lastUpdateTime: timestamp(now), lastTransitionTime: timestamp(now) };
}

/** kube's calculateStatus: counts from the ReplicaSets' own status, and the Available condition. */
export function calculateStatus(d: V1Deployment, all: V1ReplicaSet[], newRS: V1ReplicaSet | undefined, now: number): V1DeploymentStatus {
  const sum = (f: (rs: V1ReplicaSet) => number): number => all.reduce((n, rs) => n + f(rs), 0);
  const available = sum((rs) => rs.status?.availableReplicas ?? 0);
  const status: V1DeploymentStatus = {
    observedGeneration: d.metadata?.generation,
    replicas: sum((rs) => rs.status?.replicas ?? 0),
    updatedReplicas: newRS?.status?.replicas ?? 0,
    readyReplicas: sum((rs) => rs.status?.readyReplicas ?? 0),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, sum(specReplicas) - available),
  };
  if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
  if (d.status?.conditions !== undefined) status.conditions = structuredClone(d.status.conditions);
  if (available >= desiredReplicas(d) - fencepostsOf(d).maxUnavailable) {
    setCondition(status, condition("Available", "True", reasons.minimumReplicasAvailable, "Deployment has minimum availability.", now));
  } else {
    setCondition(status, condition("Available", "False", reasons.minimumReplicasUnavailable, "Deployment does not have minimum availability.", now));
  }
  return status;
}

/** kube's DeploymentComplete. */
export function isComplete(d: V1Deployment, s: V1DeploymentStatus): boolean {
  const r = desiredReplicas(d);
  return s.updatedReplicas === r && s.replicas === r && s.availableReplicas === r && (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
}

/** kube's DeploymentProgressing: the new status moved towards the goal. */
function isProgressing(old: V1DeploymentStatus | undefined, s: V1DeploymentStatus): boolean {
  return (
    (s.updatedReplicas ?? 0) > (old?.updatedReplicas ?? 0) ||
    (s.replicas ?? 0) - (s.updatedReplicas ?? 0) < (old?.replicas ?? 0) - (old?.updatedReplicas ?? 0) ||
    (s.readyReplicas ?? 0) > (old?.readyReplicas ?? 0) ||
    (s.availableReplicas ?? 0) > (old?.availableReplicas ?? 0)
  );
}

/**
 * kube's syncRolloutStatus: the Progressing condition. Returns the status
 * and, while a deadline is running, when to look again.
 */
export function rolloutStatus(d: V1Deployment, all: V1ReplicaSet[], newRS: V1ReplicaSet | undefined, now: number): { status: V1DeploymentStatus; recheckMs?: number } {
  const status = calculateStatus(d, all, newRS, now);
  const deadline = d.spec?.progressDeadlineSeconds;
  if (deadline === undefined || d.spec?.paused === true) return { status };
  const current = conditionOf(status, "Progressing");
  const done = status.replicas === status.updatedReplicas && current?.reason === reasons.newReplicaSetAvailable;
  if (done) return { status };
  const name = newRS?.metadata?.name ?? "";
  if (newRS !== undefined && isComplete(d, status)) {
    setCondition(status, condition("Progressing", "True", reasons.newReplicaSetAvailable, `ReplicaSet "${name}" has successfully progressed.`, now));
    return { status };
  }
  if (newRS !== undefined && isProgressing(d.status, status)) {
    const c = condition("Progressing", "True", reasons.replicaSetUpdated, `ReplicaSet "${name}" is progressing.`, now);
    if (current?.status === "True") c.lastTransitionTime = current.lastTransitionTime;
    removeCondition(status, "Progressing");
    setCondition(status, c);
  } else if (current !== undefined && current.status === "True" && new Date(current.lastUpdateTime ?? 0).getTime() + deadline * 1000 < now) {
    setCondition(status, condition("Progressing", "False", reasons.progressDeadlineExceeded, `ReplicaSet "${name}" has timed out progressing.`, now));
    return { status };
  }
  const c = conditionOf(status, "Progressing");
  if (c?.status !== "True") return { status };
  return { status, recheckMs: Math.max(1000, new Date(c.lastUpdateTime ?? 0).getTime() + deadline * 1000 - now + 1000) };
}

/** kube's checkPausedConditions: Progressing Unknown while paused, and a note on resume. */
export function pausedCondition(d: V1Deployment, status: V1DeploymentStatus, now: number): void {
  const current = conditionOf(status, "Progressing");
  if (d.spec?.paused === true && current?.reason !== reasons.deploymentPaused) {
    setCondition(status, condition("Progressing", "Unknown", reasons.deploymentPaused, "Deployment is paused", now));
  } else if (d.spec?.paused !== true && current?.reason === reasons.deploymentPaused) {
    setCondition(status, condition("Progressing", "Unknown", reasons.deploymentResumed, "Deployment is resumed", now));
  }
}
