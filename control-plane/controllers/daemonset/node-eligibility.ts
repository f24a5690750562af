// Which nodes a DaemonSet's pod belongs on (kube's NodeShouldRunDaemonPod):
// the template's nodeSelector and required node affinity must admit the
// node, and its NoSchedule/NoExecute taints must be tolerated by the pod's
// tolerations plus the ones every daemon pod gets. A pod already running
// stays while the selector still matches and no untolerated NoExecute taint
// appears: a new NoSchedule taint keeps new pods off but does not evict.
import type { V1DaemonSet, V1Node, V1Pod, V1Toleration } from "@kubernetes/client-node";
import { requiredNodeAffinityMatches } from "../../scheduler/plugins/node-affinity/node-affinity.ts";
import { tolerationsTolerate } from "../../scheduler/plugins/taint-toleration/tolerations.ts";

/**
 * The tolerations kube's DaemonSet controller adds to every daemon pod
 * (util.AddOrUpdateDaemonPodTolerations): a daemon keeps running on a node
 * that is not ready, unreachable, under pressure or cordoned.
 */
export const daemonTolerations: V1Toleration[] = [
  { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute" },
  { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" },
  { key: "node.kubernetes.io/disk-pressure", operator: "Exists", effect: "NoSchedule" },
  { key: "node.kubernetes.io/memory-pressure", operator: "Exists", effect: "NoSchedule" },
  { key: "node.kubernetes.io/pid-pressure", operator: "Exists", effect: "NoSchedule" },
  { key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" },
];

/** The template's tolerations with the daemon ones added where the key and effect are not already tolerated. */
export function withDaemonTolerations(tolerations: V1Toleration[] | undefined): V1Toleration[] {
  const out = [...(tolerations ?? [])];
  for (const t of daemonTolerations) {
    if (!out.some((x) => x.key === t.key && x.effect === t.effect)) out.push({ ...t });
  }
  return out;
}

export interface Eligibility {
  /** A new daemon pod should be created on the node. */
  shouldRun: boolean;
  /** A daemon pod already there may stay. */
  shouldContinueRunning: boolean;
}

export function eligibility(ds: V1DaemonSet, node: V1Node): Eligibility {
  if (node.metadata?.deletionTimestamp !== undefined) return { shouldRun: false, shouldContinueRunning: false };
  const pod: V1Pod = { spec: { ...ds.spec?.template?.spec, containers: [] } };
  if (!requiredNodeAffinityMatches(pod, node)) return { shouldRun: false, shouldContinueRunning: false };
  const tolerations = withDaemonTolerations(ds.spec?.template?.spec?.tolerations);
  const taints = node.spec?.taints ?? [];
  const untolerated = (effect: string): boolean => taints.some((t) => t.effect === effect && !tolerationsTolerate(tolerations, t));
  if (untolerated("NoExecute")) return { shouldRun: false, shouldContinueRunning: false };
  return { shouldRun: !untolerated("NoSchedule"), shouldContinueRunning: true };
}
