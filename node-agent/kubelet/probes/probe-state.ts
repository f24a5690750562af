// One probe of one container, as kubelet's prober worker counts it: no
// probe before initialDelaySeconds since the container started, then one
// every periodSeconds; a result flips only after successThreshold (or
// failureThreshold) equal results in a row. Readiness starts false,
// liveness true, startup false; a liveness or startup failure holds until
// the container is replaced. Pure: time is given.
import type { V1Probe } from "@kubernetes/client-node";

export type ProbeKind = "liveness" | "readiness" | "startup";

export interface ProbeTiming {
  initialDelaySeconds: number;
  periodSeconds: number;
  timeoutSeconds: number;
  successThreshold: number;
  failureThreshold: number;
}

// Kubernetes' defaults; successThreshold must be 1 for liveness and startup.
export function probeTiming(probe: V1Probe, kind: ProbeKind): ProbeTiming {
  const successThreshold = probe.successThreshold ?? 1;
  if (kind !== "readiness" && successThreshold !== 1) throw new Error(`${kind} probe: successThreshold must be 1`);
  return {
    initialDelaySeconds: probe.initialDelaySeconds ?? 0,
    periodSeconds: Math.max(1, probe.periodSeconds ?? 10),
    timeoutSeconds: Math.max(1, probe.timeoutSeconds ?? 1),
    successThreshold,
    failureThreshold: Math.max(1, probe.failureThreshold ?? 3),
  };
}

export class ProbeState {
  private current: string | undefined;
  private lastResult: boolean | undefined;
  private run = 0;
  private lastProbeAt: number | undefined;
  private onHold = false;
  result: boolean;

  constructor(
    readonly kind: ProbeKind,
    readonly timing: ProbeTiming,
  ) {
    this.result = kind === "liveness";
  }

  // Whether a probe is due at `now` for this container (which started at
  // `startedAt`). A new container id starts the count over.
  due(containerId: string, startedAt: number, now: number): boolean {
    if (containerId !== this.current) {
      this.current = containerId;
      this.lastResult = undefined;
      this.run = 0;
      this.lastProbeAt = undefined;
      this.onHold = false;
      this.result = this.kind === "liveness";
    }
    if (this.onHold) return false;
    if (now - startedAt < this.timing.initialDelaySeconds * 1000) return false;
    return this.lastProbeAt === undefined || now - this.lastProbeAt >= this.timing.periodSeconds * 1000;
  }

  // The container the result is about.
  get containerId(): string | undefined {
    return this.current;
  }

  started(now: number): void {
    this.lastProbeAt = now;
  }

  // Counts one outcome and returns the probe's (possibly unchanged) result.
  record(success: boolean): boolean {
    this.run = this.lastResult === success ? this.run + 1 : 1;
    this.lastResult = success;
    const threshold = success ? this.timing.successThreshold : this.timing.failureThreshold;
    if (this.run < threshold) return this.result;
    this.result = success;
    // A failed liveness or startup probe kills the container; probing waits
    // for the new one (kubelet's onHold), as does a succeeded startup probe.
    if ((this.kind !== "readiness" && !success) || (this.kind === "startup" && success)) this.onHold = true;
    return this.result;
  }
}
