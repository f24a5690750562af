// A leader hands leadership over by sending its successor MsgTimeoutNow: on
// `move-leader`, on a graceful stop, and at once when it removed itself. Raft
// does not campaign while a committed membership change is still unapplied,
// and a leader that removed itself sends the hand-off right after committing
// that very change, so the successor often refuses it and the cluster waits
// out an election timeout instead. A refused hand-off is therefore stepped
// once more, after the successor's next apply.
import { type Message, MessageType, type RawNode, StateType } from "../../raft/index.ts";

export class HandOffRetry {
  private refused: { m: Message; at: number } | undefined = undefined;

  constructor(
    private readonly raw: () => RawNode | undefined,
    /** A hand-off older than this is stale: a normal election has taken over. */
    private readonly maxAgeMs: number,
  ) {}

  /** Called after `msgs` were stepped: remembers a MsgTimeoutNow that started no campaign. */
  stepped(msgs: readonly Message[]): void {
    const raw = this.raw();
    if (raw === undefined) return;
    for (const m of msgs) {
      if (m.type !== MessageType.MsgTimeoutNow) continue;
      if (raw.raft.state === StateType.Follower && raw.raft.term === m.term) this.refused = { m, at: performance.now() };
    }
  }

  /** Called after each applied Ready: returns the hand-off to step again, if one waits and may now succeed. */
  retry(): Message | undefined {
    const raw = this.raw();
    const r = this.refused;
    if (raw === undefined || r === undefined) return undefined;
    const raft = raw.raft;
    if (performance.now() - r.at > this.maxAgeMs || raft.state !== StateType.Follower || raft.term !== r.m.term) {
      this.refused = undefined;
      return undefined;
    }
    if (raft.raftLog.applied < raft.raftLog.committed) return undefined;
    this.refused = undefined;
    return r.m;
  }
}
