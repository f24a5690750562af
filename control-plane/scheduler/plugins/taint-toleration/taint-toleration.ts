// TaintToleration: a node's NoSchedule and NoExecute taints keep out pods that
// do not tolerate them; PreferNoSchedule taints only lower the node's score.
// (NoExecute also evicts running pods; that is the node lifecycle controller's job.)
import type { NodeInfo } from "../../framework/node-info.ts";
import type { PodInfo } from "../../framework/pod-info.ts";
import { success, unresolvable, withPlugin, type Status } from "../../framework/status.ts";
import { normalizeByMax, type ClusterEventKind, type CycleState, type FilterPlugin, type ScorePlugin } from "../../framework/types.ts";
import type { Taint, Toleration } from "../../kube-types.ts";
import { findUntoleratedTaint, toleratesTaint } from "./tolerations.ts";

// kube-scheduler's wording of the 1.20 era, the one kubectl 1.20 users know; later releases
// say "node(s) had untolerated taint {key: value}".
export const taintReason = (taint: Taint): string => `node(s) had taint {${taint.key}: ${taint.value ?? ""}}, that the pod didn't tolerate`;

const blocksScheduling = (taint: Taint): boolean => taint.effect === "NoSchedule" || taint.effect === "NoExecute";

export class TaintToleration implements FilterPlugin, ScorePlugin {
  readonly name = "TaintToleration";
  readonly events: readonly ClusterEventKind[] = ["NodeAdd", "NodeUpdate"];
  /** One status per taint object: thousands of nodes may reject each pod for the same taint. */
  private readonly rejections = new WeakMap<Taint, Status>();

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    if (node.taints.length === 0) return success;
    const taint = findUntoleratedTaint(node.taints, pod.pod.spec?.tolerations, blocksScheduling);
    if (taint === undefined) return success;
    let status = this.rejections.get(taint);
    if (status === undefined) this.rejections.set(taint, (status = withPlugin(unresolvable(taintReason(taint)), this.name)));
    return status;
  }

  /** Raw score: how many PreferNoSchedule taints the pod does not tolerate (fewer is better). */
  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    if (node.taints.length === 0) return 0;
    const tolerations = (pod.pod.spec?.tolerations ?? []).filter(
      (t: Toleration) => t.effect === undefined || t.effect === "" || t.effect === "PreferNoSchedule",
    );
    let intolerable = 0;
    for (const taint of node.taints) {
      if (taint.effect === "PreferNoSchedule" && !tolerations.some((t) => toleratesTaint(t, taint))) intolerable++;
    }
    return intolerable;
  }

  normalizeScores(_state: CycleState, _pod: PodInfo, scores: Float64Array): void {
    normalizeByMax(scores, true);
  }
}
