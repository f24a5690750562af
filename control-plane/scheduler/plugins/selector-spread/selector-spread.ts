// SelectorSpread: spreads the replicas of one owner (the controller in the
// pod's ownerReferences: a ReplicaSet, StatefulSet, ...) across nodes, and
// across zones when nodes carry topology.kubernetes.io/zone. kube-scheduler
// finds a pod's group through the selectors of Services and controllers; this
// core has no API access, so the controlling ownerReference stands for it.
import type { NodeInfo } from "../../framework/node-info.ts";
import type { PodInfo } from "../../framework/pod-info.ts";
import { maxNodeScore, type ClusterView, type CycleState, type PreScorePlugin, type ScorePlugin } from "../../framework/types.ts";
import { skip, success, type Status } from "../../framework/status.ts";

export const zoneLabel = "topology.kubernetes.io/zone";
/** Zone spreading counts twice as much as node spreading (kube's zoneWeighting 2/3). */
const zoneWeighting = 2 / 3;

interface SpreadState {
  zoneCounts: Map<string, number> | undefined;
}

export class SelectorSpread implements PreScorePlugin, ScorePlugin {
  readonly name = "SelectorSpread";

  constructor(private readonly view: ClusterView) {}

  preScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): Status {
    if (pod.ownerUid === undefined) return skip;
    let zoneCounts: Map<string, number> | undefined;
    for (const node of nodes) {
      const zone = node.labels[zoneLabel];
      if (zone === undefined) continue;
      zoneCounts ??= new Map();
      zoneCounts.set(zone, (zoneCounts.get(zone) ?? 0) + this.view.ownerPodsOnNode(pod.ownerUid, node.name));
    }
    state.write(this.name, { zoneCounts } satisfies SpreadState);
    return success;
  }

  /** Raw score: replicas of the same owner already on the node. */
  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    return pod.ownerUid === undefined ? 0 : this.view.ownerPodsOnNode(pod.ownerUid, node.name);
  }

  /** Fewer replicas scores higher; the zone's count blends in when nodes have zones. */
  normalizeScores(state: CycleState, pod: PodInfo, scores: Float64Array, nodes: readonly NodeInfo[]): void {
    if (pod.ownerUid === undefined) {
      scores.fill(maxNodeScore);
      return;
    }
    let max = 0;
    for (const s of scores) max = Math.max(max, s);
    const zoneCounts = state.read<SpreadState>(this.name)?.zoneCounts;
    let maxZone = 0;
    for (const c of zoneCounts?.values() ?? []) maxZone = Math.max(maxZone, c);
    for (let i = 0; i < scores.length; i++) {
      let f = max > 0 ? (maxNodeScore * (max - scores[i]!)) / max : maxNodeScore;
      const zone = nodes[i]?.labels[zoneLabel];
      if (zoneCounts !== undefined && zone !== undefined) {
        const zoneScore = maxZone > 0 ? (maxNodeScore * (maxZone - (zoneCounts.get(zone) ?? 0))) / maxZone : maxNodeScore;
        f = f * (1 - zoneWeighting) + zoneWeighting * zoneScore;
      }
      scores[i] = Math.floor(f);
    }
  }
}
