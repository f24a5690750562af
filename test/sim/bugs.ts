// Deliberately broken variants of the core and the host, to show that the
// simulator catches the classic Raft mistakes within its seed budget.
import { type Message, MessageType, None, Raft, type RaftConfig } from "@skiff/control-plane/raft";

/** Commits any entry a quorum holds, whatever its term: the Figure 8 bug. */
class CommitByCountRaft extends Raft {
  override maybeCommit(): boolean {
    const index = this.trk.committed();
    if (index > this.raftLog.committed) {
      this.raftLog.commitTo(index);
      return true;
    }
    return false;
  }
}

/** Grants a vote to any candidate with an up-to-date log, even after voting for another in the same term. */
class DoubleVoteRaft extends Raft {
  protected override canVote(m: Message): boolean {
    return m.type === MessageType.MsgVote || this.lead === None || m.term > this.term;
  }
}

/** Answers ReadIndex at once from the leader's commit index, without confirming leadership. */
class UnconfirmedReadRaft extends Raft {
  override step(m: Message): void {
    if (m.type === MessageType.MsgReadIndex && this.lead === this.id && m.entries.length === 1) {
      if (m.from === None || m.from === this.id) {
        this.readStates.push({ index: this.raftLog.committed, requestCtx: m.entries[0]!.data });
      } else {
        this.msgs.push({ ...m, type: MessageType.MsgReadIndexResp, to: m.from, from: this.id, term: this.term, index: this.raftLog.committed });
      }
      return;
    }
    super.step(m);
  }
}

export const bugNames = ["commit-by-count", "double-vote", "unconfirmed-read", "send-before-fsync"] as const;
export type BugName = (typeof bugNames)[number];

export interface BugVariant {
  makeRaft?: (c: RaftConfig) => Raft;
  sendBeforeFsync: boolean;
  description: string;
}

export function bugVariant(name: BugName | undefined): BugVariant {
  switch (name) {
    case undefined:
      return { sendBeforeFsync: false, description: "correct" };
    case "commit-by-count":
      return { makeRaft: (c) => new CommitByCountRaft(c), sendBeforeFsync: false, description: "leader commits previous-term entries by counting replicas" };
    case "double-vote":
      return { makeRaft: (c) => new DoubleVoteRaft(c), sendBeforeFsync: false, description: "a member votes twice in one term" };
    case "unconfirmed-read":
      return { makeRaft: (c) => new UnconfirmedReadRaft(c), sendBeforeFsync: false, description: "ReadIndex served without a heartbeat round" };
    case "send-before-fsync":
      return { sendBeforeFsync: true, description: "the host sends votes and acks before its fsync completes" };
  }
}
