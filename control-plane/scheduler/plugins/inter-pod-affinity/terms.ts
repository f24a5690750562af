// Shared pieces of inter-pod affinity: whether a term selects a pod, and counts
// of pods per topology pair (topologyKey=value of the node they are on).
import type { AffinityTerm, PodInfo } from "../../framework/pod-info.ts";
import type { ClusterView } from "../../framework/types.ts";
import { selectorMatches } from "../../labels.ts";

export function termMatches(term: AffinityTerm, pi: PodInfo): boolean {
  return (term.namespaces === undefined || term.namespaces.has(pi.namespace)) && selectorMatches(term.selector, pi.labels);
}

export function pair(key: string, value: string): string {
  return `${key}\u0000${value}`;
}

export class TopologyCounts {
  private readonly counts = new Map<string, number>();

  get size(): number {
    return this.counts.size;
  }

  add(key: string, value: string | undefined, n: number): void {
    if (value === undefined) return;
    const k = pair(key, value);
    const next = (this.counts.get(k) ?? 0) + n;
    if (next === 0) this.counts.delete(k);
    else this.counts.set(k, next);
  }

  get(key: string, value: string | undefined): number {
    return value === undefined ? 0 : (this.counts.get(pair(key, value)) ?? 0);
  }

  /** Any pair that the node's labels carry with a positive count. */
  anyOnNode(labels: Readonly<Record<string, string>>): boolean {
    if (this.counts.size === 0) return false;
    for (const [k, v] of Object.entries(labels)) if ((this.counts.get(pair(k, v)) ?? 0) > 0) return true;
    return false;
  }

  sumOnNode(labels: Readonly<Record<string, string>>): number {
    let sum = 0;
    for (const [k, v] of Object.entries(labels)) sum += this.counts.get(pair(k, v)) ?? 0;
    return sum;
  }
}

/** Adds n at the term's topology pair of the node each matching placed pod is on. */
export function countMatchingPods(view: ClusterView, term: AffinityTerm, counts: TopologyCounts, n: number, alsoMatches?: (pi: PodInfo) => boolean): void {
  for (const pi of view.podsMatching(term.namespaces, term.selector)) {
    if (alsoMatches !== undefined && !alsoMatches(pi)) continue;
    const node = view.nodeOfPod(pi);
    if (node !== undefined) counts.add(term.topologyKey, node.labels[term.topologyKey], n);
  }
}
