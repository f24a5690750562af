// NodeResourcesBalancedAllocation: prefers nodes whose cpu and memory would be
// used in equal shares after placing the pod: 100 × (1 − standard deviation
// of the shares), the shares capped at 1.
import type { NodeInfo } from "../../framework/node-info.ts";
import type { PodInfo } from "../../framework/pod-info.ts";
import { maxNodeScore, type CycleState, type ScorePlugin } from "../../framework/types.ts";

function share(requested: number, capacity: number): number {
  return capacity === 0 ? 1 : Math.min(requested / capacity, 1);
}

export class BalancedAllocation implements ScorePlugin {
  readonly name = "NodeResourcesBalancedAllocation";

  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    const cpu = share(node.nonZeroMilliCpu + pod.nonZeroMilliCpu, node.allocatable.milliCpu);
    const memory = share(node.nonZeroMemory + pod.nonZeroMemory, node.allocatable.memory);
    // With two resources the standard deviation is half their difference.
    const std = Math.abs(cpu - memory) / 2;
    return Math.floor((1 - std) * maxNodeScore);
  }
}
