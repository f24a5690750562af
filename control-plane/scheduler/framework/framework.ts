// Runs a profile's plugins at each extension point, in the profile's order.
import type { NodeInfo } from "./node-info.ts";
import type { PodInfo } from "./pod-info.ts";
import { Code, isSuccess, success, withPlugin, type Status } from "./status.ts";
import {
  isFilter,
  isPreFilter,
  isPreScore,
  isReserve,
  isScore,
  maxNodeScore,
  type BindPlugin,
  type ClusterEventKind,
  type CycleState,
  type FilterPlugin,
  type Plugin,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ReservePlugin,
  type ScorePlugin,
} from "./types.ts";

export interface ProfileEntry {
  plugin: Plugin;
  /** Weight of its score (default 1). */
  weight?: number;
}

export interface WhatIf {
  readonly node: NodeInfo;
  removePod(other: PodInfo): void;
  addPod(other: PodInfo): void;
  fits(): boolean;
}

export class Framework {
  readonly preFilters: PreFilterPlugin[] = [];
  readonly filters: FilterPlugin[] = [];
  readonly preScores: PreScorePlugin[] = [];
  readonly scores: { plugin: ScorePlugin; weight: number }[] = [];
  readonly reserves: ReservePlugin[] = [];
  readonly binder: BindPlugin | undefined;

  constructor(entries: readonly ProfileEntry[], binder?: BindPlugin) {
    for (const { plugin, weight } of entries) {
      if (isPreFilter(plugin)) this.preFilters.push(plugin);
      if (isFilter(plugin)) this.filters.push(plugin);
      if (isPreScore(plugin)) this.preScores.push(plugin);
      if (isScore(plugin)) this.scores.push({ plugin, weight: weight ?? 1 });
      if (isReserve(plugin)) this.reserves.push(plugin);
    }
    this.binder = binder;
  }

  /** plugin name → the events that may undo its rejections (for the queue). */
  pluginEvents(): Map<string, readonly ClusterEventKind[]> {
    const events = new Map<string, readonly ClusterEventKind[]>();
    for (const p of [...this.preFilters, ...this.filters]) if (p.events !== undefined) events.set(p.name, p.events);
    return events;
  }

  runPreFilter(state: CycleState, pod: PodInfo): Status {
    let skipped: Set<string> | undefined;
    for (const p of this.preFilters) {
      const s = p.preFilter(state, pod);
      if (s.code === Code.Skip) (skipped ??= new Set()).add(p.name);
      else if (!isSuccess(s)) return withPlugin(s, p.name);
    }
    state.filters = skipped === undefined ? this.filters : this.filters.filter((p) => !skipped.has(p.name));
    return success;
  }

  /** The first plugin that rejects the node decides its status. */
  runFilters(state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    for (const p of state.filters ?? this.filters) {
      const s = p.filter(state, pod, node);
      if (s.code !== Code.Success) return withPlugin(s, p.name);
    }
    return success;
  }

  runPreScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): Status {
    let skipped: Set<string> | undefined;
    for (const p of this.preScores) {
      const s = p.preScore(state, pod, nodes);
      if (s.code === Code.Skip) (skipped ??= new Set()).add(p.name);
      else if (!isSuccess(s)) return withPlugin(s, p.name);
    }
    state.scores = skipped === undefined ? this.scores : this.scores.filter((e) => !skipped.has(e.plugin.name));
    return success;
  }

  /** Weighted sum of every score plugin's normalized 0–100 score, per node. */
  runScores(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): Float64Array {
    const totals = new Float64Array(nodes.length);
    const scores = new Float64Array(nodes.length);
    for (const { plugin, weight } of state.scores ?? this.scores) {
      for (let i = 0; i < nodes.length; i++) scores[i] = plugin.score(state, pod, nodes[i]!);
      plugin.normalizeScores?.(state, pod, scores, nodes);
      for (let i = 0; i < nodes.length; i++) {
        const s = scores[i]!;
        if (s < 0 || s > maxNodeScore || Number.isNaN(s)) throw new Error(`plugin ${plugin.name} scored ${s} outside 0–${maxNodeScore}`);
        totals[i]! += s * weight;
      }
    }
    return totals;
  }

  /**
   * A what-if copy of a node for preemption: pods can be removed and added
   * back, PreFilter state follows, and fits() runs the filters on it.
   */
  whatIf(state: CycleState, pod: PodInfo, node: NodeInfo): WhatIf {
    const s = state.clone();
    const n = node.clone();
    // A plugin whose PreFilter skipped has no state here and ignores these calls.
    const extended = this.preFilters;
    return {
      node: n,
      removePod: (other) => {
        n.removePod(other.key);
        for (const p of extended) p.removePod?.(s, pod, other, n);
      },
      addPod: (other) => {
        n.addPod(other);
        for (const p of extended) p.addPod?.(s, pod, other, n);
      },
      fits: () => isSuccess(this.runFilters(s, pod, n)),
    };
  }

  runReserve(state: CycleState, pod: PodInfo, nodeName: string): Status {
    for (let i = 0; i < this.reserves.length; i++) {
      const p = this.reserves[i]!;
      const s = p.reserve(state, pod, nodeName);
      if (!isSuccess(s)) {
        for (let j = i; j >= 0; j--) this.reserves[j]!.unreserve(state, pod, nodeName);
        return withPlugin(s, p.name);
      }
    }
    return success;
  }

  runUnreserve(state: CycleState, pod: PodInfo, nodeName: string): void {
    for (let j = this.reserves.length - 1; j >= 0; j--) this.reserves[j]!.unreserve(state, pod, nodeName);
  }
}
