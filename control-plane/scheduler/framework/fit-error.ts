// Why a pod fits nowhere, in the form kubectl users know from kube-scheduler:
//   0/3 nodes are available: 1 node(s) had taint {key: value}, that the pod didn't tolerate, 2 Insufficient cpu.
// Each node contributes the reasons of the first filter that rejected it; the
// reasons are counted, written "<count> <reason>" and sorted as strings (Go's
// sort.Strings, so "1 node(s)..." comes before "2 Insufficient cpu").
import type { Status } from "./status.ts";

export const noNodesAvailable = "no nodes available to schedule pods";

export function reasonHistogram(statuses: Iterable<Status>): string[] {
  const counts = new Map<string, number>();
  for (const s of statuses) for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  const lines = [...counts].map(([reason, n]) => `${n} ${reason}`);
  // Byte order, as Go compares strings (the reasons are ASCII).
  return lines.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export function nodesAvailableMessage(numAllNodes: number, statuses: Iterable<Status>, preFilterMessage?: string): string {
  if (numAllNodes === 0) return noNodesAvailable;
  let message = `0/${numAllNodes} nodes are available:`;
  if (preFilterMessage !== undefined) return `${message} ${preFilterMessage}.`;
  const histogram = reasonHistogram(statuses);
  if (histogram.length > 0) message += ` ${histogram.join(", ")}.`;
  return message;
}

export class FitError extends Error {
  readonly code = "Unschedulable";
  /** Set when preemption was tried and did not help (kube's PostFilter message). */
  postFilterMessage: string | undefined;

  constructor(
    readonly numAllNodes: number,
    /** node name → the status that rejected the pod there */
    readonly statuses: ReadonlyMap<string, Status>,
    readonly preFilterMessage?: string,
  ) {
    super(nodesAvailableMessage(numAllNodes, statuses.values(), preFilterMessage));
  }

  /** The full message for the PodScheduled condition and the FailedScheduling event. */
  describe(): string {
    return this.postFilterMessage === undefined ? this.message : `${this.message} ${this.postFilterMessage}`;
  }

  /** The plugins that rejected the pod somewhere: only events relevant to them requeue it. */
  rejectingPlugins(): Set<string> {
    const plugins = new Set<string>();
    for (const s of this.statuses.values()) if (s.plugin !== undefined) plugins.add(s.plugin);
    return plugins;
  }
}
