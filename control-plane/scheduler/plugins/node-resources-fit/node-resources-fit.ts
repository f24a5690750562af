// NodeResourcesFit: the pod's effective requests must fit in what the node
// has left: allocatable minus the requests of the pods bound or assumed there.
// Pods count too, against allocatable "pods".
import type { NodeInfo } from "../../framework/node-info.ts";
import type { PodInfo } from "../../framework/pod-info.ts";
import { Code, statusOf, success, type Status } from "../../framework/status.ts";
import type { ClusterEventKind, CycleState, FilterPlugin } from "../../framework/types.ts";

export interface InsufficientResource {
  resource: string;
  reason: string;
  /** The request exceeds the node's whole allocatable: evicting pods cannot help. */
  unresolvable: boolean;
}

/** The common case without allocating: does everything fit? */
function fitsAll(pod: PodInfo, node: NodeInfo): boolean {
  const r = pod.requests;
  if (node.pods.size + 1 > node.allowedPods) return false;
  if (r.milliCpu > 0 && r.milliCpu > node.allocatable.milliCpu - node.requested.milliCpu) return false;
  if (r.memory > 0 && r.memory > node.allocatable.memory - node.requested.memory) return false;
  return r.scalar.size === 0;
}

export function insufficientResources(pod: PodInfo, node: NodeInfo): InsufficientResource[] {
  const out: InsufficientResource[] = [];
  if (fitsAll(pod, node)) return out;
  if (node.pods.size + 1 > node.allowedPods) {
    out.push({ resource: "pods", reason: "Too many pods", unresolvable: node.allowedPods === 0 });
  }
  const r = pod.requests;
  const used = node.requested;
  const alloc = node.allocatable;
  if (r.milliCpu > 0 && r.milliCpu > alloc.milliCpu - used.milliCpu) {
    out.push({ resource: "cpu", reason: "Insufficient cpu", unresolvable: r.milliCpu > alloc.milliCpu });
  }
  if (r.memory > 0 && r.memory > alloc.memory - used.memory) {
    out.push({ resource: "memory", reason: "Insufficient memory", unresolvable: r.memory > alloc.memory });
  }
  for (const [name, want] of r.scalar) {
    if (want === 0) continue;
    const have = alloc.scalar.get(name) ?? 0;
    if (want > have - (used.scalar.get(name) ?? 0)) out.push({ resource: name, reason: `Insufficient ${name}`, unresolvable: want > have });
  }
  return out;
}

export class NodeResourcesFit implements FilterPlugin {
  readonly name = "NodeResourcesFit";
  readonly events: readonly ClusterEventKind[] = ["NodeAdd", "NodeUpdate", "AssignedPodDelete", "AssignedPodUpdate"];

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    const missing = insufficientResources(pod, node);
    if (missing.length === 0) return success;
    const code = missing.some((m) => m.unresolvable) ? Code.UnschedulableAndUnresolvable : Code.Unschedulable;
    return statusOf(code, missing.map((m) => m.reason));
  }
}
