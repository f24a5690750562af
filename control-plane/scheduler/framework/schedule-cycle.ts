// One scheduling cycle for one pod: filter nodes, score the feasible ones,
// pick the best. Synchronous: the cache does not change under it.
import type { RandomSource } from "../clock.ts";
import { FitError } from "./fit-error.ts";
import type { Framework } from "./framework.ts";
import type { NodeInfo } from "./node-info.ts";
import type { PodInfo } from "./pod-info.ts";
import { Code, isSuccess, type Status } from "./status.ts";
import { CycleState, type ClusterView } from "./types.ts";

export interface CycleOptions {
  /**
   * Stop filtering once this share of the nodes (in percent) is found
   * feasible, as kube-scheduler's percentageOfNodesToScore. 0 means kube's
   * adaptive default (50% minus 1% per 125 nodes, at least 5%); 100 checks
   * every node. Never fewer than 100 feasible nodes are sought.
   */
  percentageOfNodesToScore: number;
  random: RandomSource;
  /**
   * Pods that preemption nominated for a node and that outrank (or equal) the
   * pod being scheduled: they are counted there as if placed, so that the room
   * made for them is not taken by someone else meanwhile.
   */
  nominatedPods?: (nodeName: string, pod: PodInfo) => readonly PodInfo[];
}

export interface ScheduleResult {
  nodeName: string;
  state: CycleState;
  evaluatedNodes: number;
  feasibleNodes: number;
}

const minFeasibleNodesToFind = 100;
const minFeasibleNodesPercentageToFind = 5;

export function numFeasibleNodesToFind(numAllNodes: number, percentage: number): number {
  if (numAllNodes < minFeasibleNodesToFind || percentage >= 100) return numAllNodes;
  let adaptive = percentage;
  if (adaptive <= 0) {
    adaptive = Math.max(50 - Math.floor(numAllNodes / 125), minFeasibleNodesPercentageToFind);
  }
  const n = Math.floor((numAllNodes * adaptive) / 100);
  return Math.max(n, minFeasibleNodesToFind);
}

export class ScheduleAlgorithm {
  /** Filtering starts where the last cycle stopped, so every node gets its turn. */
  private nextStartNodeIndex = 0;

  constructor(
    private readonly framework: Framework,
    private readonly view: ClusterView,
    private readonly options: CycleOptions,
  ) {}

  schedule(pod: PodInfo): ScheduleResult | FitError {
    const state = new CycleState();
    const nodes = this.view.nodeInfos();
    if (nodes.length === 0) return new FitError(0, new Map());
    const pre = this.framework.runPreFilter(state, pod);
    if (pre.code === Code.Error) throw new Error(`${pre.plugin}: ${pre.reasons.join(", ")}`);
    if (!isSuccess(pre)) {
      const statuses = new Map(nodes.map((n) => [n.name, pre] as const));
      return new FitError(nodes.length, statuses, pre.reasons.join(", "));
    }
    const { feasible, statuses, evaluated } = this.findFeasible(state, pod, nodes);
    if (feasible.length === 0) return new FitError(nodes.length, statuses());
    const result = { state, evaluatedNodes: evaluated, feasibleNodes: feasible.length };
    if (feasible.length === 1) return { ...result, nodeName: feasible[0]!.name };
    const preScore = this.framework.runPreScore(state, pod, feasible);
    if (!isSuccess(preScore)) throw new Error(`${preScore.plugin}: ${preScore.reasons.join(", ")}`);
    const totals = this.framework.runScores(state, pod, feasible);
    return { ...result, nodeName: this.selectHost(feasible, totals) };
  }

  private findFeasible(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]) {
    const want = numFeasibleNodesToFind(nodes.length, this.options.percentageOfNodesToScore);
    const feasible: NodeInfo[] = [];
    const rejectedNodes: NodeInfo[] = [];
    const rejections: Status[] = [];
    const start = this.nextStartNodeIndex % nodes.length;
    let evaluated = 0;
    for (; evaluated < nodes.length && feasible.length < want; evaluated++) {
      const node = nodes[(start + evaluated) % nodes.length]!;
      const s = this.framework.runFilters(state, pod, this.withNominated(node, pod));
      if (s.code === Code.Success) feasible.push(node);
      else if (s.code === Code.Error) throw new Error(`${s.plugin}: ${s.reasons.join(", ")}`);
      else {
        rejectedNodes.push(node);
        rejections.push(s);
      }
    }
    this.nextStartNodeIndex = (start + evaluated) % nodes.length;
    // The map of reasons is needed only when the pod fits nowhere.
    const statuses = () => new Map(rejectedNodes.map((n, i) => [n.name, rejections[i]!] as const));
    return { feasible, statuses, evaluated };
  }

  private withNominated(node: NodeInfo, pod: PodInfo): NodeInfo {
    const nominated = this.options.nominatedPods?.(node.name, pod);
    if (nominated === undefined || nominated.length === 0) return node;
    const whatIf = node.clone();
    for (const p of nominated) whatIf.addPod(p);
    return whatIf;
  }

  /** The highest total wins; equal totals are broken uniformly at random (reservoir sampling). */
  private selectHost(nodes: readonly NodeInfo[], totals: Float64Array): string {
    let best = 0;
    let ties = 1;
    for (let i = 1; i < nodes.length; i++) {
      const t = totals[i]!;
      if (t > totals[best]!) {
        best = i;
        ties = 1;
      } else if (t === totals[best]!) {
        ties++;
        if (this.options.random() * ties < 1) best = i;
      }
    }
    return nodes[best]!.name;
  }
}
