// NodePorts: a pod asking for host ports fits only where no pod already holds
// the same protocol and port on an overlapping host IP (0.0.0.0 overlaps every IP).
import type { NodeInfo } from "../../framework/node-info.ts";
import type { PodInfo } from "../../framework/pod-info.ts";
import { skip, success, unschedulable, withPlugin, type Status } from "../../framework/status.ts";
import type { ClusterEventKind, CycleState, FilterPlugin, PreFilterPlugin } from "../../framework/types.ts";
import type { Pod } from "../../kube-types.ts";

export const nodePortsReason = "node(s) didn't have free ports for the requested pod ports";

const rejection = withPlugin(unschedulable(nodePortsReason), "NodePorts");

export interface HostPort {
  ip: string;
  protocol: string;
  port: number;
}

export function hostPorts(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
    for (const p of c.ports ?? []) {
      if (p.hostPort === undefined || p.hostPort <= 0) continue;
      out.push({ ip: p.hostIP === undefined || p.hostIP === "" ? "0.0.0.0" : p.hostIP, protocol: p.protocol ?? "TCP", port: p.hostPort });
    }
  }
  return out;
}

function conflicts(a: HostPort, b: HostPort): boolean {
  return a.port === b.port && a.protocol === b.protocol && (a.ip === b.ip || a.ip === "0.0.0.0" || b.ip === "0.0.0.0");
}

export class NodePorts implements PreFilterPlugin, FilterPlugin {
  readonly name = "NodePorts";
  readonly events: readonly ClusterEventKind[] = ["AssignedPodDelete", "NodeAdd"];

  preFilter(state: CycleState, pod: PodInfo): Status {
    const wanted = hostPorts(pod.pod);
    if (wanted.length === 0) return skip;
    state.write(this.name, wanted);
    return success;
  }

  filter(state: CycleState, _pod: PodInfo, node: NodeInfo): Status {
    const wanted = state.read<HostPort[]>(this.name) ?? [];
    for (const other of node.pods.values()) {
      for (const used of hostPorts(other.pod)) {
        if (wanted.some((w) => conflicts(w, used))) return rejection;
      }
    }
    return success;
  }
}
