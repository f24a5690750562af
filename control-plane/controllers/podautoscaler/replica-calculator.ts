// The HPA's arithmetic, as kube-controller-manager's replica calculator and
// horizontal controller do it for a CPU utilisation target: utilisation is
// the pods' summed usage over their summed requests; the replica count
// moves by the ratio to the target unless within a 10% tolerance; a scale
// up at most doubles (or reaches 4); the result stays within min..max; and
// a scale down takes the highest recommendation of the stabilisation
// window, so a short dip does not shed pods.

export const tolerance = 0.1;

export interface PodUsage {
  /** CPU in use, millicores. */
  usage: number;
  /** CPU requested, millicores (the sum of the pod's containers' requests). */
  request: number;
}

export interface Recommendation {
  at: number;
  replicas: number;
}

/** Utilisation in percent of the requests, rounded down as Kubernetes does; undefined without requests. */
export function utilization(pods: PodUsage[]): number | undefined {
  const request = pods.reduce((s, p) => s + p.request, 0);
  if (pods.length === 0 || request <= 0) return undefined;
  return Math.floor((pods.reduce((s, p) => s + p.usage, 0) * 100) / request);
}

/** What the metrics ask for, before limits and stabilisation. */
export function proposedReplicas(current: number, measured: number, target: number, podsWithMetrics: number): number {
  const ratio = measured / target;
  if (Math.abs(ratio - 1) <= tolerance) return current;
  return Math.ceil(ratio * podsWithMetrics);
}

export function limitReplicas(proposed: number, current: number, min: number, max: number): number {
  const scaleUpLimit = Math.max(2 * current, 4);
  return Math.max(min, Math.min(max, scaleUpLimit, proposed));
}

/**
 * Records `replicas` in the window's history (kept in place) and returns
 * what to scale to: a scale down only to the highest recommendation of the
 * last `windowMs`.
 */
export function stabilize(history: Recommendation[], now: number, replicas: number, current: number, windowMs: number): number {
  history.push({ at: now, replicas });
  while (history.length > 0 && history[0]!.at < now - windowMs) history.shift();
  if (replicas >= current) return replicas;
  return Math.min(current, Math.max(...history.map((r) => r.replicas)));
}

/** Kubernetes quantities of CPU ("250m", "1", "0.5", "1500000n") in millicores. */
export function millicores(q: string | number | undefined): number {
  if (q === undefined) return 0;
  if (typeof q === "number") return q * 1000;
  if (q.endsWith("n")) return Number(q.slice(0, -1)) / 1e6;
  if (q.endsWith("u")) return Number(q.slice(0, -1)) / 1e3;
  if (q.endsWith("m")) return Number(q.slice(0, -1));
  return Number(q) * 1000;
}
