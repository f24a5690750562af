// The leader's view of one follower's log, and the flow control state that
// decides how it replicates to it.
import { Inflights } from "./inflights.ts";

export enum ProgressState {
  /** Unsure where the follower's log ends: one MsgApp per heartbeat until it answers. */
  Probe = 0,
  /** The follower is keeping up: stream entries, optimistically, up to the inflight limit. */
  Replicate = 1,
  /** The follower needs a snapshot; pause appends until it reports the result. */
  Snapshot = 2,
}

export class Progress {
  match = 0;
  next: number;
  state = ProgressState.Probe;
  /** Index of the snapshot in flight while in Snapshot state. */
  pendingSnapshot = 0;
  /** Heard from since the last CheckQuorum round. */
  recentActive = false;
  /** In Probe state: a MsgApp was sent and not yet answered. */
  probeSent = false;
  readonly inflights: Inflights;

  constructor(next: number, maxInflight: number, public isLearner: boolean) {
    this.next = next;
    this.inflights = new Inflights(maxInflight);
  }

  private resetState(state: ProgressState): void {
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.state = state;
    this.inflights.reset();
  }

  becomeProbe(): void {
    // After a snapshot, probing starts right after the snapshot's index.
    if (this.state === ProgressState.Snapshot) {
      const pending = this.pendingSnapshot;
      this.resetState(ProgressState.Probe);
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.resetState(ProgressState.Probe);
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.resetState(ProgressState.Replicate);
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState(ProgressState.Snapshot);
    this.pendingSnapshot = snapshotIndex;
  }

  /** The follower acknowledged entries up to n. Returns false if that was old news. */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, n + 1);
    return updated;
  }

  optimisticUpdate(n: number): void {
    this.next = n + 1;
  }

  /**
   * The follower rejected a MsgApp at `rejected`; `matchHint` is where its log
   * may still agree with ours. Returns false if the rejection is stale.
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === ProgressState.Replicate) {
      // In replicate state the rejection must be for an index past match, or it is stale.
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    // In probe state only the rejection of the probe we sent counts.
    if (this.next - 1 !== rejected) return false;
    // Never probe below what the follower is known to have: a late rejection
    // must not make us resend entries it acknowledged.
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  /** Whether the leader should hold back MsgApp to this follower. */
  isPaused(): boolean {
    switch (this.state) {
      case ProgressState.Probe:
        return this.probeSent;
      case ProgressState.Replicate:
        return this.inflights.full();
      case ProgressState.Snapshot:
        return true;
    }
  }

  toString(): string {
    const parts = [`${ProgressState[this.state]} match=${this.match} next=${this.next}`];
    if (this.isLearner) parts.push("learner");
    if (this.isPaused()) parts.push("paused");
    if (this.pendingSnapshot > 0) parts.push(`pendingSnap=${this.pendingSnapshot}`);
    if (!this.recentActive) parts.push("inactive");
    if (this.inflights.length() > 0) parts.push(`inflight=${this.inflights.length()}${this.inflights.full() ? "[full]" : ""}`);
    return parts.join(" ");
  }
}
