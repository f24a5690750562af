// NodeResourcesLeastAllocated: prefers the node with the most cpu and memory
// left after placing the pod (spreads load). Requests of pods that ask for
// nothing are counted at 100m / 200Mi, as kube-scheduler does.
import type { NodeInfo } from "../../framework/node-info.ts";
import type { PodInfo } from "../../framework/pod-info.ts";
import { maxNodeScore, type CycleState, type ScorePlugin } from "../../framework/types.ts";

function leastRequested(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.floor(((capacity - requested) * maxNodeScore) / capacity);
}

export class LeastAllocated implements ScorePlugin {
  readonly name = "NodeResourcesLeastAllocated";

  constructor(private readonly weights = { cpu: 1, memory: 1 }) {}

  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    const cpu = leastRequested(node.nonZeroMilliCpu + pod.nonZeroMilliCpu, node.allocatable.milliCpu);
    const memory = leastRequested(node.nonZeroMemory + pod.nonZeroMemory, node.allocatable.memory);
    const w = this.weights;
    return Math.floor((cpu * w.cpu + memory * w.memory) / (w.cpu + w.memory));
  }
}
