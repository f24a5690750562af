// Preemption: a pending pod that fits nowhere looks for the node where
// evicting pods of lower priority would make it fit, evicting as little as it
// can. Pure logic: the caller supplies what-if copies of nodes (the framework's
// filters, with PreFilter state kept up to date as pods go and come back) and
// acts on the result.
//
// Per node: remove every lower-priority pod; if the pod still does not fit,
// the node is no candidate. Otherwise put the removed pods back, highest
// priority first, keeping each one that still leaves room: the rest are the
// victims. Among candidates, as kube-scheduler's pickOneNodeForPreemption:
// the lowest highest-victim priority, then the smallest sum of victim
// priorities, then the fewest victims, then the first node in cache order.
import { nodesAvailableMessage } from "../framework/fit-error.ts";
import type { WhatIf } from "../framework/framework.ts";
import type { NodeInfo } from "../framework/node-info.ts";
import type { PodInfo } from "../framework/pod-info.ts";
import { Code, unschedulable, type Status } from "../framework/status.ts";

export const notHelpfulReason = "Preemption is not helpful for scheduling";
export const noVictimsReason = "No preemption victims found for incoming pod";

export interface PreemptionInput {
  pod: PodInfo;
  nodes: readonly NodeInfo[];
  /** Why each node rejected the pod; nodes rejected as unresolvable are skipped. */
  statuses: ReadonlyMap<string, Status>;
  /** A copy of the node to remove and add pods on, and to run the pod's filters against. */
  whatIf(node: NodeInfo): WhatIf;
}

export type PreemptionResult =
  | { ok: true; nodeName: string; victims: PodInfo[] }
  | { ok: false; message: string };

interface Candidate {
  node: NodeInfo;
  victims: PodInfo[];
  highest: number;
  sum: number;
}

/** Victims on one node, or undefined if evicting lower-priority pods cannot make room. */
export function selectVictimsOnNode(pod: PodInfo, node: NodeInfo, whatIfOf: PreemptionInput["whatIf"]): PodInfo[] | undefined {
  const lower = [...node.pods.values()].filter((p) => p.priority < pod.priority);
  if (lower.length === 0) return undefined;
  const whatIf = whatIfOf(node);
  for (const p of lower) whatIf.removePod(p);
  if (!whatIf.fits()) return undefined;
  // Highest priority first: those are the pods most worth keeping.
  lower.sort((a, b) => b.priority - a.priority || (a.key < b.key ? -1 : 1));
  const victims: PodInfo[] = [];
  for (const p of lower) {
    whatIf.addPod(p);
    if (!whatIf.fits()) {
      whatIf.removePod(p);
      victims.push(p);
    }
  }
  return victims.length > 0 ? victims : undefined;
}

function better(a: Candidate, b: Candidate): boolean {
  if (a.highest !== b.highest) return a.highest < b.highest;
  if (a.sum !== b.sum) return a.sum < b.sum;
  return a.victims.length < b.victims.length;
}

export function findPreemption(input: PreemptionInput): PreemptionResult {
  const { pod, nodes, statuses, whatIf } = input;
  if (pod.pod.spec?.preemptionPolicy === "Never") {
    return { ok: false, message: "preemption: not eligible due to preemptionPolicy=Never." };
  }
  let best: Candidate | undefined;
  const outcome = new Map<string, Status>();
  for (const node of nodes) {
    const status = statuses.get(node.name);
    if (status !== undefined && status.code === Code.UnschedulableAndUnresolvable) {
      outcome.set(node.name, unschedulable(notHelpfulReason));
      continue;
    }
    const victims = selectVictimsOnNode(pod, node, whatIf);
    if (victims === undefined) {
      outcome.set(node.name, unschedulable(noVictimsReason));
      continue;
    }
    let highest = -Infinity;
    let sum = 0;
    for (const v of victims) {
      highest = Math.max(highest, v.priority);
      // Offset so that every victim adds to the sum, negative priorities too (as kube does).
      sum += v.priority + 2 ** 31;
    }
    const candidate = { node, victims, highest, sum };
    if (best === undefined || better(candidate, best)) best = candidate;
  }
  if (best === undefined) return { ok: false, message: `preemption: ${nodesAvailableMessage(nodes.length, outcome.values())}` };
  return { ok: true, nodeName: best.node.name, victims: best.victims };
}
