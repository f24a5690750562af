// NodeAffinity: spec.nodeSelector and the required node affinity must both
// match the node's labels (and fields); preferred terms add their weight to
// the score of nodes they match.
import type { NodeInfo } from "../../framework/node-info.ts";
import type { PodInfo } from "../../framework/pod-info.ts";
import { skip, success, unresolvable, type Status } from "../../framework/status.ts";
import {
  normalizeByMax,
  type ClusterEventKind,
  type CycleState,
  type FilterPlugin,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ScorePlugin,
} from "../../framework/types.ts";
import type { Node, Pod } from "../../kube-types.ts";
import { nodeSelectorMatches, nodeSelectorTermMatches } from "../../labels.ts";

export const nodeAffinityReason = "node(s) didn't match Pod's node affinity/selector";

/** Whether the pod's nodeSelector and required node affinity admit the node. */
export function requiredNodeAffinityMatches(pod: Pod, node: Node): boolean {
  const selector = pod.spec?.nodeSelector;
  if (selector !== undefined) {
    const labels = node.metadata?.labels ?? {};
    for (const [k, v] of Object.entries(selector)) if (labels[k] !== v) return false;
  }
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  return required === undefined || required === null || nodeSelectorMatches(required, node);
}

export class NodeAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = "NodeAffinity";
  readonly events: readonly ClusterEventKind[] = ["NodeAdd", "NodeUpdate"];

  preFilter(_state: CycleState, pod: PodInfo): Status {
    const spec = pod.pod.spec;
    return spec?.nodeSelector === undefined && spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution === undefined ? skip : success;
  }

  preScore(_state: CycleState, pod: PodInfo): Status {
    return (pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).length === 0 ? skip : success;
  }

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    return requiredNodeAffinityMatches(pod.pod, node.node) ? success : unresolvable(nodeAffinityReason);
  }

  /** Raw score: the sum of the weights of the preferred terms the node matches. */
  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    const preferred = pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution;
    if (preferred === undefined) return 0;
    let sum = 0;
    for (const term of preferred) {
      if (term.weight !== 0 && nodeSelectorTermMatches(term.preference, node.node)) sum += term.weight;
    }
    return sum;
  }

  normalizeScores(_state: CycleState, _pod: PodInfo, scores: Float64Array): void {
    normalizeByMax(scores, false);
  }
}
