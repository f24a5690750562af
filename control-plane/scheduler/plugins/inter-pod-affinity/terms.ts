// Shared pieces of inter-pod affinity: whether a term selects a pod, and counts
// of pods per topology pair (topologyKey=value of the node they are on).
import type { AffinityTerm, PodInfo } from "../../framework/pod-info.ts";
import type { ClusterView } from "../../framework/types.ts";
import { selectorMatches } from "../../labels.ts";

export function termMatches(term: AffinityTerm, pi: PodInfo): boolean {
  return (term.namespaces === undefined || term.namespaces.has(pi.namespace)) && selectorMatches(term.selector, pi.labels);
}

/** Counts per topology pair, as topologyKey → value → count. */
export class TopologyCounts {
  private readonly byKey = new Map<string, Map<string, number>>();

  get size(): number {
    return this.byKey.size;
  }

  clone(): TopologyCounts {
    const copy = new TopologyCounts();
    for (const [key, values] of this.byKey) copy.byKey.set(key, new Map(values));
    return copy;
  }

  add(key: string, value: string | undefined, n: number): void {
    if (value === undefined) return;
    let values = this.byKey.get(key);
    if (values === undefined) this.byKey.set(key, (values = new Map()));
    const next = (values.get(value) ?? 0) + n;
    if (next === 0) values.delete(value);
    else values.set(value, next);
    if (values.size === 0) this.byKey.delete(key);
  }

  get(key: string, value: string | undefined): number {
    return value === undefined ? 0 : (this.byKey.get(key)?.get(value) ?? 0);
  }

  /** Any pair that the node's labels carry with a positive count. */
  anyOnNode(labels: Readonly<Record<string, string>>): boolean {
    for (const [key, values] of this.byKey) {
      const v = labels[key];
      if (v !== undefined && (values.get(v) ?? 0) > 0) return true;
    }
    return false;
  }

  sumOnNode(labels: Readonly<Record<string, string>>): number {
    let sum = 0;
    for (const [key, values] of this.byKey) {
      const v = labels[key];
      if (v !== undefined) sum += values.get(v) ?? 0;
    }
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
