// ImageLocality: prefers nodes that already hold the pod's images
// (node.status.images), weighted by image size and scaled down for images that
// are on many nodes, so that one popular image does not pull every pod to
// the same few nodes. Scores start above 23 MB and saturate at 1000 MB per
// container, as kube-scheduler's.
import type { NodeInfo } from "../../framework/node-info.ts";
import type { PodInfo } from "../../framework/pod-info.ts";
import { maxNodeScore, type ClusterView, type CycleState, type ScorePlugin } from "../../framework/types.ts";

const mb = 1024 * 1024;
export const minThreshold = 23 * mb;
export const maxContainerThreshold = 1000 * mb;

export class ImageLocality implements ScorePlugin {
  readonly name = "ImageLocality";

  constructor(private readonly view: ClusterView) {}

  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    if (node.images.size === 0 || pod.images.length === 0) return 0;
    const totalNodes = this.view.nodeInfos().length;
    let sum = 0;
    for (const image of pod.images) {
      const size = node.images.get(image);
      if (size === undefined) continue;
      sum += size * (this.view.nodesWithImage(image) / Math.max(totalNodes, 1));
    }
    const maxThreshold = maxContainerThreshold * pod.images.length;
    const clamped = Math.min(Math.max(sum, minThreshold), maxThreshold);
    return Math.floor((maxNodeScore * (clamped - minThreshold)) / (maxThreshold - minThreshold));
  }
}
