// How a leader handles messages: proposals, replication acknowledgements,
// heartbeats (CheckQuorum, ReadIndex), snapshots and leadership transfer.
import { ConfChangeType, decodeConfChange } from "./conf-change.ts";
import { RaftError } from "./errors.ts";
import { confChangeRefusal } from "./membership.ts";
import { ProgressState } from "./progress.ts";
import { ReadOnlyOption } from "./read-only.ts";
import type { RaftCore } from "./core.ts";
import { EntryType, type Message, message, MessageType, None } from "./types.ts";

export function stepLeader(r: RaftCore, m: Message): void {
  // Messages that need no progress of the sender.
  switch (m.type) {
    case MessageType.MsgBeat:
      r.bcastHeartbeat();
      return;
    case MessageType.MsgCheckQuorum:
      checkQuorum(r);
      return;
    case MessageType.MsgProp:
      propose(r, m);
      return;
    case MessageType.MsgReadIndex:
      readIndex(r, m);
      return;
  }

  const pr = r.trk.progress.get(m.from);
  if (pr === undefined) {
    r.logger.debug(`${r.id} no progress available for ${m.from}`);
    return;
  }
  switch (m.type) {
    case MessageType.MsgAppResp:
      pr.recentActive = true;
      if (m.reject) handleAppendRejection(r, m);
      else handleAppendSuccess(r, m);
      return;
    case MessageType.MsgHeartbeatResp:
      handleHeartbeatResponse(r, m);
      return;
    case MessageType.MsgSnapStatus:
      if (pr.state !== ProgressState.Snapshot) return;
      if (m.reject) {
        r.logger.debug(`${r.id} snapshot failed, resumed sending replication messages to ${m.from} [${pr.toString()}]`);
        pr.pendingSnapshot = 0;
      } else {
        r.logger.debug(`${r.id} snapshot succeeded, resumed sending replication messages to ${m.from} [${pr.toString()}]`);
      }
      pr.becomeProbe();
      // Wait for the follower's MsgAppResp (or a heartbeat) before probing again.
      pr.probeSent = true;
      return;
    case MessageType.MsgUnreachable:
      // Optimistic appends to an unreachable follower were probably lost.
      if (pr.state === ProgressState.Replicate) pr.becomeProbe();
      r.logger.debug(`${r.id} failed to send message to ${m.from} because it is unreachable [${pr.toString()}]`);
      return;
    case MessageType.MsgTransferLeader:
      transferLeader(r, m);
      return;
  }
}

function checkQuorum(r: RaftCore): void {
  const self = r.trk.progress.get(r.id);
  if (self !== undefined) self.recentActive = true;
  if (!r.trk.quorumActive()) {
    r.logger.warn(`${r.id} stepped down to follower since quorum is not active`);
    r.becomeFollower(r.term, None);
  }
  // Everyone but us must prove they are alive again before the next check.
  r.trk.visit((id, pr) => {
    if (id !== r.id) pr.recentActive = false;
  });
}

function propose(r: RaftCore, m: Message): void {
  if (m.entries.length === 0) throw new Error(`${r.id} stepped empty MsgProp`);
  if (!r.trk.progress.has(r.id)) {
    // Removed from the configuration while leader: take no new proposals.
    throw new RaftError("ProposalDropped", "leader was removed from the configuration");
  }
  if (r.leadTransferee !== None) {
    r.logger.debug(`${r.id} [term ${r.term}] transfer leadership to ${r.leadTransferee} is in progress; dropping proposal`);
    throw new RaftError("ProposalDropped", "leadership transfer in progress");
  }
  const entries = m.entries.map((e, i) => {
    if (e.type !== EntryType.ConfChange) return e;
    // One membership change at a time: a second is replaced by an empty entry.
    let refused: string | undefined;
    if (r.pendingConfIndex > r.raftLog.applied) {
      refused = `possible unapplied conf change at index ${r.pendingConfIndex} (applied to ${r.raftLog.applied})`;
    } else {
      refused = confChangeRefusal(r, decodeConfChange(e.data));
    }
    if (refused !== undefined) {
      r.logger.info(`${r.id} ignoring conf change ${describeData(e.data)} at config ${JSON.stringify(r.trk.confState())}: ${refused}`);
      return { ...e, type: EntryType.Normal, data: new Uint8Array(0) };
    }
    r.pendingConfIndex = r.raftLog.lastIndex() + i + 1;
    return e;
  });
  if (!r.appendEntry(entries)) throw new RaftError("ProposalDropped", "too many uncommitted entries");
  r.bcastAppend();
}

function describeData(data: Uint8Array): string {
  try {
    const cc = decodeConfChange(data);
    return `${ConfChangeType[cc.type]}(${cc.nodeId})`;
  } catch {
    return "(undecodable)";
  }
}

function readIndex(r: RaftCore, m: Message): void {
  // A single voter is its own quorum.
  if (r.trk.isSingleton()) {
    respondToReadIndex(r, m, r.raftLog.committed);
    return;
  }
  // Until an entry of our term commits we may not know the true commit index (§6.4).
  if (!r.committedEntryInCurrentTerm()) {
    r.pendingReadIndexMessages.push(m);
    return;
  }
  sendReadIndexResponse(r, m);
}

export function sendReadIndexResponse(r: RaftCore, m: Message): void {
  if (r.readOnly.option === ReadOnlyOption.Safe) {
    r.readOnly.addRequest(r.raftLog.committed, m);
    // The leader acknowledges its own heartbeat.
    r.readOnly.recvAck(r.id, m.entries[0]?.data);
    r.bcastHeartbeatWithCtx(m.entries[0]?.data);
  } else {
    respondToReadIndex(r, m, r.raftLog.committed);
  }
}

export function respondToReadIndex(r: RaftCore, req: Message, index: number): void {
  if (req.from === None || req.from === r.id) {
    r.readStates.push({ index, requestCtx: req.entries[0]?.data ?? new Uint8Array(0) });
    return;
  }
  r.send(message({ type: MessageType.MsgReadIndexResp, to: req.from, index, entries: req.entries }));
}

/** Serves reads that waited for the first commit of this term. */
export function releasePendingReadIndexMessages(r: RaftCore): void {
  if (r.pendingReadIndexMessages.length === 0) return;
  if (!r.committedEntryInCurrentTerm()) return;
  const msgs = r.pendingReadIndexMessages;
  r.pendingReadIndexMessages = [];
  for (const m of msgs) sendReadIndexResponse(r, m);
}

function handleAppendRejection(r: RaftCore, m: Message): void {
  const pr = r.trk.progress.get(m.from)!;
  r.logger.debug(
    `${r.id} received MsgAppResp(rejected, hint: (index ${m.rejectHint}, term ${m.logTerm})) from ${m.from} for index ${m.index}`,
  );
  // Skip every entry of a term the follower does not have, not one index per round trip.
  let nextProbeIdx = m.rejectHint;
  if (m.logTerm > 0) nextProbeIdx = r.raftLog.findConflictByTerm(m.rejectHint, m.logTerm).index;
  if (pr.maybeDecrTo(m.index, nextProbeIdx)) {
    r.logger.debug(`${r.id} decreased progress of ${m.from} to [${pr.toString()}]`);
    if (pr.state === ProgressState.Replicate) pr.becomeProbe();
    r.sendAppend(m.from);
  }
}

function handleAppendSuccess(r: RaftCore, m: Message): void {
  const pr = r.trk.progress.get(m.from)!;
  const wasPaused = pr.isPaused();
  // An ack of exactly what a probing follower already had still proves where its log ends.
  if (!pr.maybeUpdate(m.index) && !(pr.match === m.index && pr.state === ProgressState.Probe)) return;
  if (pr.state === ProgressState.Probe) {
    pr.becomeReplicate();
  } else if (pr.state === ProgressState.Snapshot && pr.match >= pr.pendingSnapshot) {
    r.logger.debug(`${r.id} recovered from needing snapshot, resumed sending replication messages to ${m.from} [${pr.toString()}]`);
    pr.becomeProbe();
    pr.becomeReplicate();
  } else if (pr.state === ProgressState.Replicate) {
    pr.inflights.freeLE(m.index);
  }
  if (r.maybeCommit()) {
    releasePendingReadIndexMessages(r);
    r.bcastAppend();
  } else if (wasPaused) {
    // The follower was paused and can take more now.
    r.sendAppend(m.from);
  }
  // Fill the freed pipeline slots, without empty commit-only messages.
  while (r.maybeSendAppend(m.from, false)) {
    /* keep sending */
  }
  if (m.from === r.leadTransferee && pr.match === r.raftLog.lastIndex()) {
    r.logger.info(`${r.id} sent MsgTimeoutNow to ${m.from} after received MsgAppResp`);
    r.sendTimeoutNow(m.from);
  }
}

function handleHeartbeatResponse(r: RaftCore, m: Message): void {
  const pr = r.trk.progress.get(m.from)!;
  pr.recentActive = true;
  pr.probeSent = false;
  // A full pipeline stalls if acks were lost; a heartbeat response frees one slot.
  if (pr.state === ProgressState.Replicate && pr.inflights.full()) pr.inflights.freeFirstOne();
  // A caught-up follower left in probe state (e.g. after a reported
  // unreachability) gets an empty append so its answer moves it back to replicate.
  if (pr.match < r.raftLog.lastIndex() || pr.state === ProgressState.Probe) r.sendAppend(m.from);

  if (r.readOnly.option !== ReadOnlyOption.Safe || m.context === undefined || m.context.byteLength === 0) return;
  const acks = r.readOnly.recvAck(m.from, m.context);
  if (acks === undefined || !r.trk.hasQuorum(acks)) return;
  for (const rs of r.readOnly.advance(m.context)) respondToReadIndex(r, rs.req, rs.index);
}

function transferLeader(r: RaftCore, m: Message): void {
  const pr = r.trk.progress.get(m.from)!;
  if (pr.isLearner) {
    r.logger.debug(`${r.id} is learner. Ignored transferring leadership`);
    return;
  }
  const transferee = m.from;
  if (r.leadTransferee !== None) {
    if (r.leadTransferee === transferee) {
      r.logger.info(`${r.id} [term ${r.term}] transfer leadership to ${transferee} is in progress, ignores request to same node`);
      return;
    }
    r.logger.info(`${r.id} [term ${r.term}] abort previous transferring leadership to ${r.leadTransferee}`);
    r.abortLeaderTransfer();
  }
  if (transferee === r.id) {
    r.logger.debug(`${r.id} is already leader. Ignored transferring leadership to self`);
    return;
  }
  r.logger.info(`${r.id} [term ${r.term}] starts to transfer leadership to ${transferee}`);
  // The transfer must finish within an election timeout or it is abandoned.
  r.electionElapsed = 0;
  r.leadTransferee = transferee;
  if (pr.match === r.raftLog.lastIndex()) {
    r.logger.info(`${r.id} sends MsgTimeoutNow to ${transferee} immediately as ${transferee} already has up-to-date log`);
    r.sendTimeoutNow(transferee);
  } else {
    r.sendAppend(transferee);
  }
}
