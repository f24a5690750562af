// What a DaemonSet sync does, as a pure function of the DaemonSet, the
// nodes and its pods: which nodes get a new pod, which pods go (on nodes
// no longer eligible, extra or failed pods, and old-revision pods the
// rolling update may take down within maxUnavailable), and the status.
import type { V1DaemonSet, V1DaemonSetStatus, V1Node, V1Pod } from "@kubernetes/client-node";
import { scaledValue } from "../deployment/rollout-math.ts";
import { isAvailable, isReady } from "../replicaset/pod-state.ts";
import { revisionHashLabel } from "../revision-hash.ts";
import { timeOf } from "../api.ts";
import { eligibility } from "./node-eligibility.ts";

export interface DaemonPlan {
  create: string[]; // node names
  remove: V1Pod[];
  status: V1DaemonSetStatus;
}

const byAge = (a: V1Pod, b: V1Pod): number => timeOf(a.metadata?.creationTimestamp) - timeOf(b.metadata?.creationTimestamp) || (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? "");

export function planDaemonSet(ds: V1DaemonSet, nodes: V1Node[], pods: V1Pod[], hash: string, now: number): DaemonPlan {
  const minReady = ds.spec?.minReadySeconds ?? 0;
  const byNode = new Map<string, V1Pod[]>();
  for (const p of pods) {
    const n = p.spec?.nodeName ?? "";
    byNode.set(n, [...(byNode.get(n) ?? []), p]);
  }
  const create: string[] = [];
  const remove: V1Pod[] = [];
  // The one pod that counts per eligible node.
  const daemonOf = new Map<string, V1Pod | undefined>();
  const counts = { desired: 0, current: 0, misscheduled: 0, ready: 0, available: 0, updated: 0 };
  for (const node of nodes) {
    const name = node.metadata?.name ?? "";
    const here = [...(byNode.get(name) ?? [])].sort(byAge);
    byNode.delete(name);
    const e = eligibility(ds, node);
    if (e.shouldRun) counts.desired++;
    if (!e.shouldContinueRunning) {
      remove.push(...here);
      if (here.length > 0) counts.misscheduled++;
      continue;
    }
    // A failed daemon pod is replaced (kube deletes it and creates anew).
    const failed = here.filter((p) => p.status?.phase === "Failed");
    const alive = here.filter((p) => p.status?.phase !== "Failed");
    remove.push(...failed, ...alive.slice(1));
    const pod = alive[0];
    if (!e.shouldRun && pod !== undefined) counts.misscheduled++;
    if (e.shouldRun || pod !== undefined) daemonOf.set(name, pod);
    if (pod === undefined) {
      if (e.shouldRun) create.push(name);
      continue;
    }
    if (e.shouldRun) {
      counts.current++;
      if (isReady(pod)) counts.ready++;
      if (isAvailable(pod, minReady, now)) counts.available++;
      if (pod.metadata?.labels?.[revisionHashLabel] === hash) counts.updated++;
    }
  }
  // Pods bound to nodes that do not exist (any more).
  for (const rest of byNode.values()) remove.push(...rest);
  if (create.length === 0 && remove.length === 0 && (ds.spec?.updateStrategy?.type ?? "RollingUpdate") === "RollingUpdate") {
    remove.push(...rollingUpdateVictims(ds, daemonOf, counts.desired, hash, now));
  }
  const status: V1DaemonSetStatus = {
    desiredNumberScheduled: counts.desired,
    currentNumberScheduled: counts.current,
    numberMisscheduled: counts.misscheduled,
    numberReady: counts.ready,
    numberAvailable: counts.available,
    numberUnavailable: Math.max(0, counts.desired - counts.available),
    updatedNumberScheduled: counts.updated,
    observedGeneration: ds.metadata?.generation,
  };
  return { create, remove, status };
}

/**
 * kube's rollingUpdate with maxSurge 0: old pods that are not available go
 * at once; available old pods go while fewer than maxUnavailable nodes are
 * without an available daemon.
 */
function rollingUpdateVictims(ds: V1DaemonSet, daemonOf: Map<string, V1Pod | undefined>, desired: number, hash: string, now: number): V1Pod[] {
  const minReady = ds.spec?.minReadySeconds ?? 0;
  const maxUnavailable = Math.max(1, scaledValue(ds.spec?.updateStrategy?.rollingUpdate?.maxUnavailable ?? 1, desired, true));
  let unavailable = 0;
  const victims: V1Pod[] = [];
  const candidates: V1Pod[] = [];
  for (const pod of daemonOf.values()) {
    const available = pod !== undefined && isAvailable(pod, minReady, now);
    if (!available) unavailable++;
    if (pod === undefined || pod.metadata?.labels?.[revisionHashLabel] === hash) continue;
    if (available) candidates.push(pod);
    else victims.push(pod);
  }
  candidates.sort((a, b) => (a.spec?.nodeName ?? "").localeCompare(b.spec?.nodeName ?? ""));
  return [...victims, ...candidates.slice(0, Math.max(0, maxUnavailable - unavailable))];
}
