// The extension points a plugin may implement, and what plugins may read of
// the cluster. A plugin implements only the interfaces it needs.
import type { LabelSelector } from "../kube-types.ts";
import type { NodeInfo } from "./node-info.ts";
import type { Labels } from "../labels.ts";
import type { AffinityTerm, PodInfo } from "./pod-info.ts";
import type { Status } from "./status.ts";

export const maxNodeScore = 100;

/** State that preemption's what-if copies: it must clone itself. */
export interface ClonableState {
  clone(): ClonableState;
}

function isClonable(v: unknown): v is ClonableState {
  return typeof v === "object" && v !== null && typeof (v as ClonableState).clone === "function";
}

/** Per-cycle scratch space: PreFilter/PreScore store what Filter/Score read, keyed by plugin. */
export class CycleState {
  private readonly data = new Map<string, unknown>();
  /** Filter plugins left to run after PreFilter skips (set by the framework). */
  filters: readonly FilterPlugin[] | undefined;
  /** Score plugins left to run after PreScore skips (set by the framework). */
  scores: readonly { plugin: ScorePlugin; weight: number }[] | undefined;
  write(key: string, value: unknown): void {
    this.data.set(key, value);
  }
  read<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }
  /** A copy for a what-if: clonable values are cloned, the rest shared (they are read-only). */
  clone(): CycleState {
    const copy = new CycleState();
    for (const [k, v] of this.data) copy.data.set(k, isClonable(v) ? v.clone() : v);
    copy.filters = this.filters;
    copy.scores = this.scores;
    return copy;
  }
}

/** Cluster events that may make a rejected pod schedulable. */
export type ClusterEventKind = "NodeAdd" | "NodeUpdate" | "NodeDelete" | "AssignedPodAdd" | "AssignedPodUpdate" | "AssignedPodDelete";

export const allClusterEvents: readonly ClusterEventKind[] = ["NodeAdd", "NodeUpdate", "NodeDelete", "AssignedPodAdd", "AssignedPodUpdate", "AssignedPodDelete"];

export interface AntiAffinityTermRef {
  readonly pi: PodInfo;
  readonly term: AffinityTerm;
}

/** Read-only view of the scheduler's cache (bound and assumed pods) that plugins use. */
export interface ClusterView {
  nodeInfos(): readonly NodeInfo[];
  nodeInfo(name: string): NodeInfo | undefined;
  nodeOfPod(pi: PodInfo): NodeInfo | undefined;
  /** Pods placed on nodes whose labels match the selector in the given namespaces (undefined: all). */
  podsMatching(namespaces: ReadonlySet<string> | undefined, selector: LabelSelector): Iterable<PodInfo>;
  /** Placed pods with required affinity or preferred (anti-)affinity terms: they weigh on scores. */
  podsAffectingScores(): Iterable<PodInfo>;
  /**
   * Required anti-affinity terms of placed pods that may select a pod with these
   * labels: a superset (terms are indexed by one matchLabels pair), to be checked.
   */
  antiAffinityTermsFor(labels: Labels): Iterable<AntiAffinityTermRef>;
  /** How many nodes hold the image (for image locality's spread factor). */
  nodesWithImage(image: string): number;
  /** How many pods of this controlling owner are on the node. */
  ownerPodsOnNode(ownerUid: string, nodeName: string): number;
}

export interface Plugin {
  readonly name: string;
  /** Events after which a pod this plugin rejected should be tried again. */
  readonly events?: readonly ClusterEventKind[];
}

export interface PreFilterPlugin extends Plugin {
  /** Once per pod per cycle; a rejection here rejects every node. */
  preFilter(state: CycleState, pod: PodInfo): Status;
  /**
   * For preemption's what-if: update what PreFilter computed as if another
   * pod were added to or removed from the node (kube's PreFilterExtensions).
   */
  addPod?(state: CycleState, pod: PodInfo, other: PodInfo, node: NodeInfo): void;
  removePod?(state: CycleState, pod: PodInfo, other: PodInfo, node: NodeInfo): void;
}

export interface FilterPlugin extends Plugin {
  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status;
}

export interface PreScorePlugin extends Plugin {
  preScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): Status;
}

export interface ScorePlugin extends Plugin {
  /** A score for one feasible node; 0–100 unless normalizeScores maps it there. */
  score(state: CycleState, pod: PodInfo, node: NodeInfo): number;
  /** Maps raw scores (in place) onto 0–100; scores[i] belongs to nodes[i]. */
  normalizeScores?(state: CycleState, pod: PodInfo, scores: Float64Array, nodes: readonly NodeInfo[]): void;
}

export interface ReservePlugin extends Plugin {
  reserve(state: CycleState, pod: PodInfo, nodeName: string): Status;
  unreserve(state: CycleState, pod: PodInfo, nodeName: string): void;
}

export interface BindPlugin extends Plugin {
  bind(pod: PodInfo, nodeName: string): Promise<Status>;
}

export function isPreFilter(p: Plugin): p is PreFilterPlugin {
  return typeof (p as PreFilterPlugin).preFilter === "function";
}
export function isFilter(p: Plugin): p is FilterPlugin {
  return typeof (p as FilterPlugin).filter === "function";
}
export function isPreScore(p: Plugin): p is PreScorePlugin {
  return typeof (p as PreScorePlugin).preScore === "function";
}
export function isScore(p: Plugin): p is ScorePlugin {
  return typeof (p as ScorePlugin).score === "function";
}
export function isReserve(p: Plugin): p is ReservePlugin {
  return typeof (p as ReservePlugin).reserve === "function";
}

/** Max-based normalization to 0–100 (kube's DefaultNormalizeScore); reverse makes low raw scores win. */
export function normalizeByMax(scores: Float64Array, reverse: boolean): void {
  let max = 0;
  for (const s of scores) if (s > max) max = s;
  for (let i = 0; i < scores.length; i++) {
    if (max === 0) {
      scores[i] = reverse ? maxNodeScore : 0;
      continue;
    }
    const v = Math.floor((maxNodeScore * scores[i]!) / max);
    scores[i] = reverse ? maxNodeScore - v : v;
  }
}
