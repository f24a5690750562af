// How followers and (pre-)candidates handle messages, and how any member
// accepts appends, heartbeats and snapshots from a leader.
import { RaftError } from "./errors.ts";
import type { RaftCore } from "./core.ts";
import { VoteResult } from "./tracker.ts";
import { type Message, message, MessageType, None, StateType } from "./types.ts";

export function stepFollower(r: RaftCore, m: Message): void {
  switch (m.type) {
    case MessageType.MsgProp:
      if (r.lead === None) {
        r.logger.info(`${r.id} no leader at term ${r.term}; dropping proposal`);
        throw new RaftError("ProposalDropped", "no leader");
      }
      if (r.disableProposalForwarding) {
        r.logger.info(`${r.id} not forwarding to leader ${r.lead} at term ${r.term}; dropping proposal`);
        throw new RaftError("ProposalDropped", "proposal forwarding is disabled");
      }
      r.send({ ...m, to: r.lead });
      return;
    case MessageType.MsgApp:
      r.electionElapsed = 0;
      r.lead = m.from;
      handleAppendEntries(r, m);
      return;
    case MessageType.MsgHeartbeat:
      r.electionElapsed = 0;
      r.lead = m.from;
      handleHeartbeat(r, m);
      return;
    case MessageType.MsgSnap:
      r.electionElapsed = 0;
      r.lead = m.from;
      handleSnapshot(r, m);
      return;
    case MessageType.MsgTransferLeader:
      forwardToLeader(r, m, "leader transfer msg");
      return;
    case MessageType.MsgTimeoutNow:
      r.logger.info(`${r.id} [term ${r.term}] received MsgTimeoutNow from ${m.from} and starts an election to get leadership`);
      // Leadership transfer must not be stopped by PreVote or by the lease check.
      r.hup("transfer");
      return;
    case MessageType.MsgReadIndex:
      forwardToLeader(r, m, "index reading msg");
      return;
    case MessageType.MsgReadIndexResp:
      if (m.entries.length !== 1) {
        r.logger.warn(`${r.id} invalid format of MsgReadIndexResp from ${m.from}, entries count: ${m.entries.length}`);
        return;
      }
      r.readStates.push({ index: m.index, requestCtx: m.entries[0]!.data });
      return;
  }
}

/** Passes a request on to the leader, or drops it when none is known (the requester retries). */
function forwardToLeader(r: RaftCore, m: Message, what: string): void {
  if (r.lead === None) {
    r.logger.info(`${r.id} no leader at term ${r.term}; dropping ${what}`);
    return;
  }
  r.send({ ...m, to: r.lead });
}

export function stepCandidate(r: RaftCore, m: Message): void {
  // A pre-candidate only counts pre-votes; a candidate only real votes.
  const myVoteRespType = r.state === StateType.PreCandidate ? MessageType.MsgPreVoteResp : MessageType.MsgVoteResp;
  switch (m.type) {
    case MessageType.MsgProp:
      r.logger.info(`${r.id} no leader at term ${r.term}; dropping proposal`);
      throw new RaftError("ProposalDropped", "no leader");
    case MessageType.MsgApp:
      r.becomeFollower(m.term, m.from);
      handleAppendEntries(r, m);
      return;
    case MessageType.MsgHeartbeat:
      r.becomeFollower(m.term, m.from);
      handleHeartbeat(r, m);
      return;
    case MessageType.MsgSnap:
      r.becomeFollower(m.term, m.from);
      handleSnapshot(r, m);
      return;
    case myVoteRespType: {
      const result = r.poll(m.from, m.type, !m.reject);
      if (result === VoteResult.Won) {
        if (r.state === StateType.PreCandidate) {
          r.campaign("election");
        } else {
          r.becomeLeader();
          r.bcastAppend();
        }
      } else if (result === VoteResult.Lost) {
        // A pre-vote response carries a future term; stay in ours.
        r.becomeFollower(r.term, None);
      }
      return;
    }
    case MessageType.MsgTimeoutNow:
      r.logger.debug(`${r.id} [term ${r.term} state ${StateType[r.state]}] ignored MsgTimeoutNow from ${m.from}`);
      return;
  }
}

export function handleAppendEntries(r: RaftCore, m: Message): void {
  // Entries up to our commit index are already settled; tell the leader where we are.
  if (m.index < r.raftLog.committed) {
    r.send(message({ type: MessageType.MsgAppResp, to: m.from, index: r.raftLog.committed }));
    return;
  }
  const lastNew = r.raftLog.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
  if (lastNew !== undefined) {
    r.send(message({ type: MessageType.MsgAppResp, to: m.from, index: lastNew }));
    return;
  }
  // Hint the largest (index, term) at or below the probe with a term not above the
  // leader's, so the leader can skip a whole divergent term in one step.
  const hint = r.raftLog.findConflictByTerm(Math.min(m.index, r.raftLog.lastIndex()), m.logTerm);
  r.logger.debug(
    `${r.id} [logterm: ${r.raftLog.termOrZero(m.index)}, index: ${m.index}] rejected MsgApp [logterm: ${m.logTerm}, index: ${m.index}] from ${m.from}`,
  );
  r.send(message({ type: MessageType.MsgAppResp, to: m.from, index: m.index, reject: true, rejectHint: hint.index, logTerm: hint.term }));
}

export function handleHeartbeat(r: RaftCore, m: Message): void {
  r.raftLog.commitTo(m.commit);
  const resp = message({ type: MessageType.MsgHeartbeatResp, to: m.from });
  if (m.context !== undefined) resp.context = m.context;
  r.send(resp);
}

export function handleSnapshot(r: RaftCore, m: Message): void {
  const s = m.snapshot;
  if (s === undefined) return;
  if (r.restore(s)) {
    r.send(message({ type: MessageType.MsgAppResp, to: m.from, index: r.raftLog.lastIndex() }));
  } else {
    r.logger.info(`${r.id} [commit: ${r.raftLog.committed}] ignored snapshot [index: ${s.metadata.index}, term: ${s.metadata.term}]`);
    r.send(message({ type: MessageType.MsgAppResp, to: m.from, index: r.raftLog.committed }));
  }
}
