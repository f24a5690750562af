// NodeUnschedulable: a cordoned node (spec.unschedulable) takes only pods that
// tolerate the node.kubernetes.io/unschedulable:NoSchedule taint.
import type { NodeInfo } from "../../framework/node-info.ts";
import type { PodInfo } from "../../framework/pod-info.ts";
import { success, unresolvable, type Status } from "../../framework/status.ts";
import type { ClusterEventKind, CycleState, FilterPlugin } from "../../framework/types.ts";
import { tolerationsTolerate } from "../taint-toleration/tolerations.ts";

export const unschedulableReason = "node(s) were unschedulable";

const unschedulableTaint = { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" };

export class NodeUnschedulable implements FilterPlugin {
  readonly name = "NodeUnschedulable";
  readonly events: readonly ClusterEventKind[] = ["NodeAdd", "NodeUpdate"];

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    if (node.node.spec?.unschedulable !== true) return success;
    return tolerationsTolerate(pod.pod.spec?.tolerations, unschedulableTaint) ? success : unresolvable(unschedulableReason);
  }
}
