// Lease-based leader election, client-go's algorithm: a candidate takes the
// Lease when it is absent, released, or not renewed within leaseDuration as
// seen by the candidate's own clock (it times how long the record stays
// unchanged, so clocks need not agree); the leader renews every retryPeriod
// and steps down if it has not renewed for renewDeadline. Every write is a
// compare-and-swap on the Lease's resourceVersion, so two candidates never
// both win.
import { silentLogger, type Logger } from "../logger.ts";
import { isConflict, microTime } from "../../proto/kube/api-client.ts";
import type { LeaderRecord, LeaseLock } from "./lease-lock.ts";

/** Wall-clock time and waiting, injected so tests drive time themselves. */
export interface ElectionClock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after ms, or at once when the signal aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemElectionClock: ElectionClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      const t = setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        signal.removeEventListener("abort", done);
        resolve();
      }
      signal.addEventListener("abort", done);
    }),
};

export interface LeaderElectionConfig {
  lock: LeaseLock;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  clock?: ElectionClock;
  logger?: Logger;
  /** Runs once this candidate leads. */
  onStartedLeading: () => void;
  /** Runs once after leading, when the lease is lost or given up. */
  onStoppedLeading: () => void;
  /** Every leader this candidate observes (itself included). */
  onNewLeader?: (identity: string) => void;
}

/** kube's flag defaults are 15 s / 10 s / 2 s; skiff's are tuned for a failover of a few seconds. */
export const defaultElectionTimings = { leaseDurationMs: 4000, renewDeadlineMs: 3000, retryPeriodMs: 1000 };

export function validateTimings(c: { leaseDurationMs: number; renewDeadlineMs: number; retryPeriodMs: number }): void {
  if (!(c.leaseDurationMs > c.renewDeadlineMs)) throw new Error("leaseDuration must be greater than renewDeadline");
  if (!(c.renewDeadlineMs > c.retryPeriodMs * 1.2)) throw new Error("renewDeadline must be greater than retryPeriod*1.2");
  if (!(c.retryPeriodMs > 0)) throw new Error("retryPeriod must be greater than zero");
}

export class LeaderElector {
  private readonly clock: ElectionClock;
  private readonly log: Logger;
  private observed: LeaderRecord | undefined;
  /** Local time at which the observed record last changed. */
  private observedAt = 0;
  private lastRenewAt = 0;
  private leading = false;
  private readonly abort = new AbortController();
  private reportedLeader = "";
  private running: Promise<void> | undefined;

  constructor(private readonly config: LeaderElectionConfig) {
    validateTimings(config);
    this.clock = config.clock ?? systemElectionClock;
    this.log = (config.logger ?? silentLogger).with({ lease: config.lock.describe(), identity: config.identity });
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** The holder this candidate last saw, "" if none. */
  get observedLeader(): string {
    return this.observed?.holderIdentity ?? "";
  }

  /** Campaigns until leading, leads until the lease is lost or stop() is called. Resolves when done. */
  run(): Promise<void> {
    this.running ??= this.campaignAndLead();
    return this.running;
  }

  private async campaignAndLead(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted && !(await this.tryAcquireOrRenew())) {
      await this.clock.sleep(jittered(this.config.retryPeriodMs), signal);
    }
    if (signal.aborted) return;
    this.leading = true;
    this.log.info("became leader");
    this.config.onStartedLeading();
    while (!signal.aborted) {
      await this.clock.sleep(this.config.retryPeriodMs, signal);
      if (signal.aborted) break;
      if (await this.renewWithinDeadline()) continue;
      const taken = this.observedLeader !== "" && this.observedLeader !== this.config.identity;
      if (taken || this.clock.now() - this.lastRenewAt >= this.config.renewDeadlineMs) {
        this.log.warn("lost the lease", { holder: this.observedLeader, sinceRenewMs: this.clock.now() - this.lastRenewAt });
        break;
      }
    }
    if (this.leading) {
      this.leading = false;
      this.config.onStoppedLeading();
    }
  }

  /** Stops campaigning or leading; with release, a leader hands the lease back so a standby need not wait for it to expire. */
  async stop(release = true): Promise<void> {
    this.abort.abort();
    // A renewal still in flight would otherwise race the release and make it fail on a conflict.
    await this.running;
    if (!release || this.observed?.holderIdentity !== this.config.identity) return;
    try {
      const current = await this.config.lock.get();
      if (current === undefined || current.record.holderIdentity !== this.config.identity) return;
      const now = microTime(new Date(this.clock.now()));
      await this.config.lock.update({ ...current.record, holderIdentity: "", leaseDurationSeconds: 1, renewTime: now }, current.resourceVersion);
      this.log.info("released the lease");
    } catch (err) {
      this.log.warn("could not release the lease", { error: String(err) });
    }
  }

  /**
   * A renewal that gives up when renewDeadline since the last renewal has passed, so a
   * request hanging on a dead connection cannot keep a leader acting past its lease.
   */
  private async renewWithinDeadline(): Promise<boolean> {
    const remaining = Math.max(0, this.lastRenewAt + this.config.renewDeadlineMs - this.clock.now());
    const timer = new AbortController();
    const giveUp = this.clock.sleep(remaining, timer.signal).then(() => false);
    try {
      return await Promise.race([this.tryAcquireOrRenew(), giveUp]);
    } finally {
      timer.abort();
    }
  }

  /** One attempt: takes or renews the lease; true if this candidate holds it afterwards. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.clock.now();
    const nowTime = microTime(new Date(now));
    const mine: LeaderRecord = {
      holderIdentity: this.config.identity,
      leaseDurationSeconds: Math.max(1, Math.ceil(this.config.leaseDurationMs / 1000)),
      acquireTime: nowTime,
      renewTime: nowTime,
      leaseTransitions: 0,
    };
    try {
      const current = await this.config.lock.get();
      if (current === undefined) {
        await this.config.lock.create(mine);
        this.observe(mine, now);
        this.lastRenewAt = now;
        return true;
      }
      this.observe(current.record, now);
      const holder = current.record.holderIdentity;
      const iHold = holder === this.config.identity;
      if (!iHold && holder !== "" && this.observedAt + this.config.leaseDurationMs > now) return false;
      const next: LeaderRecord = iHold
        ? { ...mine, acquireTime: current.record.acquireTime, leaseTransitions: current.record.leaseTransitions }
        : { ...mine, leaseTransitions: current.record.leaseTransitions + 1 };
      await this.config.lock.update(next, current.resourceVersion);
      this.observe(next, now);
      this.lastRenewAt = now;
      return true;
    } catch (err) {
      if (!isConflict(err)) this.log.warn("lease request failed", { error: String(err) });
      return false;
    }
  }

  private observe(record: LeaderRecord, now: number): void {
    const o = this.observed;
    if (o === undefined || o.holderIdentity !== record.holderIdentity || o.renewTime !== record.renewTime || o.leaseTransitions !== record.leaseTransitions) {
      this.observed = { ...record };
      this.observedAt = now;
    }
    if (record.holderIdentity !== this.reportedLeader) {
      this.reportedLeader = record.holderIdentity;
      if (record.holderIdentity !== "") {
        this.log.info("new leader observed", { leader: record.holderIdentity });
        this.config.onNewLeader?.(record.holderIdentity);
      }
    }
  }
}

/** Up to 20% later, as client-go's wait.JitterUntil, so candidates do not retry in lockstep. */
function jittered(ms: number): number {
  return ms * (1 + 0.2 * Math.random());
}
