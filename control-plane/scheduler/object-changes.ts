// Which updates can change a scheduling decision. Nodes renew their status
// every few seconds and pods report their phase: those updates must not send
// every unschedulable pod back to the active queue (kube-scheduler's
// queueing hints make the same distinction).
import type { Node, Pod } from "./kube-types.ts";

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Spec, labels or annotations changed; status and bookkeeping do not count. */
export function podChangeMatters(before: Pod, after: Pod): boolean {
  return !same(before.spec, after.spec) || !same(before.metadata?.labels, after.metadata?.labels) || !same(before.metadata?.annotations, after.metadata?.annotations);
}

/** What the filters and scores read of a node: labels, taints, cordon, allocatable, images. */
export function nodeChangeMatters(before: Node, after: Node): boolean {
  return (
    !same(before.metadata?.labels, after.metadata?.labels) ||
    !same(before.spec?.taints, after.spec?.taints) ||
    (before.spec?.unschedulable ?? false) !== (after.spec?.unschedulable ?? false) ||
    !same(before.status?.allocatable ?? before.status?.capacity, after.status?.allocatable ?? after.status?.capacity) ||
    !same(before.status?.images, after.status?.images)
  );
}
