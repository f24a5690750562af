// NodeName: a pod that names its node (spec.nodeName) fits only there.
import type { NodeInfo } from "../../framework/node-info.ts";
import type { PodInfo } from "../../framework/pod-info.ts";
import { success, unresolvable, type Status } from "../../framework/status.ts";
import type { ClusterEventKind, CycleState, FilterPlugin } from "../../framework/types.ts";

export const nodeNameReason = "node(s) didn't match the requested node name";

export class NodeName implements FilterPlugin {
  readonly name = "NodeName";
  readonly events: readonly ClusterEventKind[] = ["NodeAdd"];

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    const wanted = pod.pod.spec?.nodeName;
    return wanted === undefined || wanted === "" || wanted === node.name ? success : unresolvable(nodeNameReason);
  }
}
