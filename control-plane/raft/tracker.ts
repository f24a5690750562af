// Tracks the configuration (voters and learners), each member's Progress and
// the votes of an election, and answers the quorum questions.
import type { Progress } from "./progress.ts";
import type { ConfState, NodeId } from "./types.ts";

export enum VoteResult {
  Pending = 0,
  Lost = 1,
  Won = 2,
}

export class ProgressTracker {
  readonly progress = new Map<NodeId, Progress>();
  votes = new Map<NodeId, boolean>();

  constructor(readonly maxInflight: number) {}

  voters(): NodeId[] {
    const ids: NodeId[] = [];
    for (const [id, pr] of this.progress) if (!pr.isLearner) ids.push(id);
    return ids.sort((a, b) => a - b);
  }

  learners(): NodeId[] {
    const ids: NodeId[] = [];
    for (const [id, pr] of this.progress) if (pr.isLearner) ids.push(id);
    return ids.sort((a, b) => a - b);
  }

  confState(): ConfState {
    return { voters: this.voters(), learners: this.learners() };
  }

  isSingleton(): boolean {
    return this.voters().length === 1;
  }

  quorum(): number {
    return Math.floor(this.voters().length / 2) + 1;
  }

  /** Visits members in id order, so message order is deterministic. */
  visit(f: (id: NodeId, pr: Progress) => void): void {
    const ids = [...this.progress.keys()].sort((a, b) => a - b);
    for (const id of ids) f(id, this.progress.get(id)!);
  }

  /** The largest index that a majority of voters has: the quorum-committed index. */
  committed(): number {
    const matches: number[] = [];
    for (const pr of this.progress.values()) if (!pr.isLearner) matches.push(pr.match);
    if (matches.length === 0) return 0;
    matches.sort((a, b) => b - a);
    return matches[this.quorum() - 1]!;
  }

  /** Whether a quorum of voters was heard from recently (CheckQuorum). */
  quorumActive(): boolean {
    let active = 0;
    for (const pr of this.progress.values()) if (!pr.isLearner && pr.recentActive) active++;
    return active >= this.quorum();
  }

  resetVotes(): void {
    this.votes = new Map();
  }

  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  tallyVotes(): { granted: number; rejected: number; result: VoteResult } {
    let granted = 0;
    let rejected = 0;
    for (const id of this.voters()) {
      const v = this.votes.get(id);
      if (v === true) granted++;
      else if (v === false) rejected++;
    }
    const q = this.quorum();
    const missing = this.voters().length - granted - rejected;
    let result = VoteResult.Pending;
    if (granted >= q) result = VoteResult.Won;
    else if (granted + missing < q) result = VoteResult.Lost;
    return { granted, rejected, result };
  }

  /** Whether a set of acknowledgements from voters forms a quorum. */
  hasQuorum(acks: Set<NodeId>): boolean {
    let n = 0;
    for (const id of acks) if (this.progress.get(id)?.isLearner === false) n++;
    return n >= this.quorum();
  }
}
