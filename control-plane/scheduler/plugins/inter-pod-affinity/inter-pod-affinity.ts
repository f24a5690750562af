// InterPodAffinity: pods placed relative to other pods by topology domain
// (a node, a zone: whatever the term's topologyKey names).
// Filter, with counts per topology pair computed once per pod in PreFilter:
// - no placed pod's required anti-affinity may select the pod in the node's domain;
// - the pod's required affinity terms must each find a matching pod in the node's domain
//   (unless no pod matches anywhere and the pod matches its own terms: the first of a group);
// - the pod's required anti-affinity terms may find no matching pod in the node's domain.
// Score: preferred terms of the pod and of placed pods, both ways, plus placed pods'
// required affinity at weight 1; normalized min–max onto 0–100.
import type { NodeInfo } from "../../framework/node-info.ts";
import type { PodInfo } from "../../framework/pod-info.ts";
import { errorStatus, skip, success, unresolvable, unschedulable, withPlugin, type Status } from "../../framework/status.ts";
import {
  maxNodeScore,
  type ClusterEventKind,
  type ClusterView,
  type CycleState,
  type FilterPlugin,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ScorePlugin,
} from "../../framework/types.ts";
import { countMatchingPods, termMatches, TopologyCounts } from "./terms.ts";

export const existingAntiAffinityReason = "node(s) didn't satisfy existing pods anti-affinity rules";
export const affinityReason = "node(s) didn't match pod affinity rules";
export const antiAffinityReason = "node(s) didn't match pod anti-affinity rules";

const existingAntiAffinityRejection = withPlugin(unschedulable(existingAntiAffinityReason), "InterPodAffinity");
const affinityRejection = withPlugin(unresolvable(affinityReason), "InterPodAffinity");
const antiAffinityRejection = withPlugin(unschedulable(antiAffinityReason), "InterPodAffinity");

/** The weight of a placed pod's required affinity when it pulls the pod toward it (kube's hardPodAffinityWeight). */
const hardPodAffinityWeight = 1;

/** Counts per topology pair, computed in PreFilter; cloned for preemption's what-if. */
class FilterState {
  constructor(
    readonly existingAntiAffinity: TopologyCounts,
    readonly affinity: TopologyCounts,
    readonly antiAffinity: TopologyCounts,
    /** The pod matches its own affinity terms: it may be the first of its group. */
    readonly matchesOwnAffinity: boolean,
  ) {}

  clone(): FilterState {
    return new FilterState(this.existingAntiAffinity.clone(), this.affinity.clone(), this.antiAffinity.clone(), this.matchesOwnAffinity);
  }

  /** Counts another pod on a node in or out, as PreFilter would have. */
  update(pod: PodInfo, other: PodInfo, node: NodeInfo, sign: 1 | -1): void {
    const at = (key: string) => node.labels[key];
    for (const t of other.requiredAntiAffinity) if (termMatches(t, pod)) this.existingAntiAffinity.add(t.topologyKey, at(t.topologyKey), sign);
    const terms = pod.requiredAffinity;
    if (terms.length > 0 && terms.every((t) => termMatches(t, other))) {
      for (const t of terms) this.affinity.add(t.topologyKey, at(t.topologyKey), sign);
    }
    for (const t of pod.requiredAntiAffinity) if (termMatches(t, other)) this.antiAffinity.add(t.topologyKey, at(t.topologyKey), sign);
  }
}

export class InterPodAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = "InterPodAffinity";
  readonly events: readonly ClusterEventKind[] = ["AssignedPodAdd", "AssignedPodUpdate", "AssignedPodDelete", "NodeAdd", "NodeUpdate"];

  constructor(private readonly view: ClusterView) {}

  preFilter(state: CycleState, pod: PodInfo): Status {
    const existingAntiAffinity = new TopologyCounts();
    for (const { pi, term } of this.view.antiAffinityTermsFor(pod.labels)) {
      if (pi.key === pod.key || !termMatches(term, pod)) continue;
      const node = this.view.nodeOfPod(pi);
      if (node !== undefined) existingAntiAffinity.add(term.topologyKey, node.labels[term.topologyKey], 1);
    }
    const affinity = new TopologyCounts();
    const terms = pod.requiredAffinity;
    if (terms.length > 0) {
      // A pod counts for affinity only if it matches every term.
      const matchesAll = (pi: PodInfo) => terms.every((t) => termMatches(t, pi));
      for (const term of terms) countMatchingPods(this.view, term, affinity, 1, matchesAll);
    }
    const antiAffinity = new TopologyCounts();
    for (const term of pod.requiredAntiAffinity) countMatchingPods(this.view, term, antiAffinity, 1);
    if (existingAntiAffinity.size === 0 && terms.length === 0 && pod.requiredAntiAffinity.length === 0) return skip;
    const matchesOwnAffinity = terms.length > 0 && terms.every((t) => termMatches(t, pod));
    state.write(this.name, new FilterState(existingAntiAffinity, affinity, antiAffinity, matchesOwnAffinity));
    return success;
  }

  addPod(state: CycleState, pod: PodInfo, other: PodInfo, node: NodeInfo): void {
    state.read<FilterState>(this.name)?.update(pod, other, node, 1);
  }

  removePod(state: CycleState, pod: PodInfo, other: PodInfo, node: NodeInfo): void {
    state.read<FilterState>(this.name)?.update(pod, other, node, -1);
  }

  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    const s = state.read<FilterState>(this.name);
    if (s === undefined) return errorStatus("InterPodAffinity: PreFilter did not run");
    if (s.existingAntiAffinity.anyOnNode(node.labels)) return existingAntiAffinityRejection;
    // No pod matches the affinity terms anywhere, but the pod matches them itself: the first of a group.
    const firstOfGroup = s.affinity.size === 0 && s.matchesOwnAffinity;
    if (pod.requiredAffinity.length > 0 && !firstOfGroup) {
      for (const term of pod.requiredAffinity) {
        if (s.affinity.get(term.topologyKey, node.labels[term.topologyKey]) <= 0) {
          return affinityRejection;
        }
      }
    }
    for (const term of pod.requiredAntiAffinity) {
      if (s.antiAffinity.get(term.topologyKey, node.labels[term.topologyKey]) > 0) {
        return antiAffinityRejection;
      }
    }
    return success;
  }

  preScore(state: CycleState, pod: PodInfo): Status {
    const scores = new TopologyCounts();
    for (const term of pod.preferredAffinity) countMatchingPods(this.view, term, scores, term.weight);
    for (const term of pod.preferredAntiAffinity) countMatchingPods(this.view, term, scores, -term.weight);
    for (const placed of this.view.podsAffectingScores()) {
      const node = this.view.nodeOfPod(placed);
      if (node === undefined) continue;
      const at = (key: string) => node.labels[key];
      for (const t of placed.requiredAffinity) if (termMatches(t, pod)) scores.add(t.topologyKey, at(t.topologyKey), hardPodAffinityWeight);
      for (const t of placed.preferredAffinity) if (termMatches(t, pod)) scores.add(t.topologyKey, at(t.topologyKey), t.weight);
      for (const t of placed.preferredAntiAffinity) if (termMatches(t, pod)) scores.add(t.topologyKey, at(t.topologyKey), -t.weight);
    }
    if (scores.size === 0) return skip;
    state.write(`${this.name}/score`, scores);
    return success;
  }

  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    const scores = state.read<TopologyCounts>(`${this.name}/score`);
    return scores === undefined || scores.size === 0 ? 0 : scores.sumOnNode(node.labels);
  }

  normalizeScores(_state: CycleState, _pod: PodInfo, scores: Float64Array): void {
    let min = Infinity;
    let max = -Infinity;
    for (const s of scores) {
      min = Math.min(min, s);
      max = Math.max(max, s);
    }
    const spread = max - min;
    for (let i = 0; i < scores.length; i++) scores[i] = spread > 0 ? Math.floor((maxNodeScore * (scores[i]! - min)) / spread) : 0;
  }
}
