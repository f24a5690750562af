// The taints the node lifecycle controller owns: not-ready and unreachable,
// each with NoSchedule (keeps new pods away, added at once) and NoExecute
// (evicts pods after their toleration seconds, added at the zone's rate).
import type { V1Node, V1Taint } from "@kubernetes/client-node";
import type { Readiness } from "./node-health.ts";

export const notReadyTaintKey = "node.kubernetes.io/not-ready";
export const unreachableTaintKey = "node.kubernetes.io/unreachable";

const ownedKeys = new Set([notReadyTaintKey, unreachableTaintKey]);

export function taintsOf(node: V1Node): V1Taint[] {
  return node.spec?.taints ?? [];
}

function owned(t: V1Taint, effect?: string): boolean {
  return ownedKeys.has(t.key) && (effect === undefined || t.effect === effect);
}

/** The key a readiness calls for: not-ready for False, unreachable for Unknown, none for True. */
export function taintKeyFor(readiness: Readiness): string | undefined {
  return readiness === "False" ? notReadyTaintKey : readiness === "Unknown" ? unreachableTaintKey : undefined;
}

export function hasNoExecute(node: V1Node, key: string): boolean {
  return taintsOf(node).some((t) => t.key === key && t.effect === "NoExecute");
}

/** The node carries one of our NoExecute taints (so changing it to the other key is a swap, not a new eviction). */
export function hasOwnedNoExecute(node: V1Node): boolean {
  return taintsOf(node).some((t) => owned(t, "NoExecute"));
}

/**
 * The node's taints with our NoSchedule taint set for readiness, and our
 * NoExecute taint: kept if it matches readiness, added when addNoExecute,
 * removed otherwise. Other taints are untouched. undefined when nothing changes.
 */
export function desiredTaints(node: V1Node, readiness: Readiness, addNoExecute: boolean, now: number): V1Taint[] | undefined {
  const key = taintKeyFor(readiness);
  const current = taintsOf(node);
  const next = current.filter((t) => !owned(t) || (t.key === key && (t.effect === "NoSchedule" || t.effect === "NoExecute")));
  if (key !== undefined && !next.some((t) => t.key === key && t.effect === "NoSchedule")) next.push({ key, effect: "NoSchedule" });
  // Milliseconds kept (RFC 3339 allows them): the eviction deadline counts from here.
  const timeAdded = new Date(now).toISOString() as unknown as Date;
  if (key !== undefined && addNoExecute && !next.some((t) => t.key === key && t.effect === "NoExecute")) next.push({ key, effect: "NoExecute", timeAdded });
  const changed = next.length !== current.length || next.some((t, i) => t !== current[i]);
  return changed ? next : undefined;
}

/** The node's taints without our NoExecute ones (an all-zones outage lifts them). */
export function withoutNoExecute(node: V1Node): V1Taint[] | undefined {
  const current = taintsOf(node);
  const next = current.filter((t) => !owned(t, "NoExecute"));
  return next.length === current.length ? undefined : next;
}
