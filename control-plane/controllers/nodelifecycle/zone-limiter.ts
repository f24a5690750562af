// How fast nodes of one zone may be given NoExecute taints (which is what
// evicts their pods), in the shape of Kubernetes' node lifecycle controller:
// a zone where few nodes are unhealthy taints at --node-eviction-rate
// nodes/s; where at least --unhealthy-zone-threshold of them (and more than
// two) are, at --secondary-node-eviction-rate if the zone is larger than
// --large-cluster-size-threshold, else not at all; and when every node of
// every zone is unhealthy the control plane is more likely cut off than the
// nodes dead, so nothing is evicted and existing taints are lifted.
import type { V1Node } from "@kubernetes/client-node";

export type ZoneState = "Normal" | "PartialDisruption" | "FullDisruption";

export interface EvictionRates {
  /** Nodes per second in a healthy zone (kube: 0.1). */
  evictionRate: number;
  /** Nodes per second in a partially disrupted large zone (kube: 0.01). */
  secondaryEvictionRate: number;
  /** Fraction of unhealthy nodes (with more than 2) that makes a zone partially disrupted (kube: 0.55). */
  unhealthyZoneThreshold: number;
  /** Zones up to this size stop evicting when partially disrupted (kube: 50). */
  largeClusterSizeThreshold: number;
}

export const kubeEvictionRates: EvictionRates = { evictionRate: 0.1, secondaryEvictionRate: 0.01, unhealthyZoneThreshold: 0.55, largeClusterSizeThreshold: 50 };

export function zoneOf(node: V1Node): string {
  const labels = node.metadata?.labels ?? {};
  const region = labels["topology.kubernetes.io/region"] ?? labels["failure-domain.beta.kubernetes.io/region"] ?? "";
  const zone = labels["topology.kubernetes.io/zone"] ?? labels["failure-domain.beta.kubernetes.io/zone"] ?? "";
  return region === "" && zone === "" ? "" : `${region}:\u0000:${zone}`;
}

export function zoneState(ready: number, notReady: number, threshold: number): ZoneState {
  if (ready === 0 && notReady > 0) return "FullDisruption";
  if (notReady > 2 && notReady / (ready + notReady) >= threshold) return "PartialDisruption";
  return "Normal";
}

/** A token bucket with a burst of one, as kube's eviction limiter; a rate of 0 never lets anything through. */
class TokenBucket {
  private tokens: number;

  constructor(
    readonly rate: number,
    private last: number,
  ) {
    this.tokens = rate > 0 ? 1 : 0;
  }

  tryAccept(now: number): boolean {
    this.tokens = Math.min(1, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export class ZoneLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly states = new Map<string, ZoneState>();

  constructor(private readonly rates: EvictionRates) {}

  /** Sets each zone's state (from counts of ready and not-ready nodes) and its rate with it. */
  update(counts: ReadonlyMap<string, { ready: number; notReady: number }>, now: number): void {
    for (const zone of this.states.keys()) {
      if (!counts.has(zone)) {
        this.states.delete(zone);
        this.buckets.delete(zone);
      }
    }
    for (const [zone, c] of counts) {
      const state = zoneState(c.ready, c.notReady, this.rates.unhealthyZoneThreshold);
      const rate = this.rateFor(state, c.ready + c.notReady);
      this.states.set(zone, state);
      // A new rate starts a new bucket, as kube swaps the zone's limiter.
      if (this.buckets.get(zone)?.rate !== rate) this.buckets.set(zone, new TokenBucket(rate, now));
    }
  }

  private rateFor(state: ZoneState, size: number): number {
    if (state === "PartialDisruption") return size > this.rates.largeClusterSizeThreshold ? this.rates.secondaryEvictionRate : 0;
    return this.rates.evictionRate;
  }

  state(zone: string): ZoneState {
    return this.states.get(zone) ?? "Normal";
  }

  /** Every zone that has nodes is fully disrupted. */
  allFullyDisrupted(): boolean {
    return this.states.size > 0 && [...this.states.values()].every((s) => s === "FullDisruption");
  }

  tryAccept(zone: string, now: number): boolean {
    return this.buckets.get(zone)?.tryAccept(now) ?? false;
  }
}
