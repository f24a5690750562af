// The state of one Raft member and the operations every role shares: changing
// role, sending appends and heartbeats, campaigning, committing, snapshots and
// configuration. Message handling per role lives in step-*.ts; raft.ts ties it together.
import { resolveConfig, type RaftConfig, type RaftLogger } from "./config.ts";
import { isRaftError } from "./errors.ts";
import { RaftLog } from "./log.ts";
import { Progress } from "./progress.ts";
import { ReadOnly } from "./read-only.ts";
import { ProgressTracker, VoteResult } from "./tracker.ts";
import {
  type ConfState,
  type Entry,
  EntryType,
  type HardState,
  isEmptyHardState,
  isEmptySnapshot,
  type Message,
  message,
  MessageType,
  None,
  type NodeId,
  type ReadState,
  type Snapshot,
  type SoftState,
  StateType,
} from "./types.ts";

export type CampaignType = "pre-election" | "election" | "transfer";

/** Marks a vote request caused by leadership transfer: it may disturb a live leader. */
export const campaignTransferContext = new TextEncoder().encode("CampaignTransfer");

export class RaftCore {
  readonly id: NodeId;
  term = 0;
  vote: NodeId = None;
  readStates: ReadState[] = [];
  readonly raftLog: RaftLog;
  readonly trk: ProgressTracker;
  state = StateType.Follower;
  isLearner = false;
  msgs: Message[] = [];
  lead: NodeId = None;
  /** The member leadership is being handed to, while a transfer is under way. */
  leadTransferee: NodeId = None;
  /** Index of the latest conf change proposed; a new one waits until it is applied. */
  pendingConfIndex = 0;
  uncommittedSize = 0;
  readOnly: ReadOnly;
  /** Ticks since the last election timeout reset (leaders: since the last CheckQuorum). */
  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;
  /** Read requests held until the leader has committed an entry of its own term. */
  pendingReadIndexMessages: Message[] = [];

  readonly checkQuorum: boolean;
  readonly preVote: boolean;
  readonly heartbeatTimeout: number;
  readonly electionTimeout: number;
  readonly maxMsgSize: number;
  readonly maxUncommittedSize: number;
  readonly disableProposalForwarding: boolean;
  readonly random: () => number;
  readonly logger: RaftLogger;

  constructor(config: RaftConfig) {
    const c = resolveConfig(config);
    this.id = c.id;
    this.raftLog = new RaftLog(c.storage, c.maxCommittedSizePerReady);
    this.trk = new ProgressTracker(c.maxInflightMsgs);
    this.readOnly = new ReadOnly(c.readOnlyOption);
    this.checkQuorum = c.checkQuorum;
    this.preVote = c.preVote;
    this.heartbeatTimeout = c.heartbeatTick;
    this.electionTimeout = c.electionTick;
    this.maxMsgSize = c.maxSizePerMsg;
    this.maxUncommittedSize = c.maxUncommittedEntriesSize;
    this.disableProposalForwarding = c.disableProposalForwarding;
    this.random = c.random;
    this.logger = c.logger;

    const { hardState, confState } = c.storage.initialState();
    this.restoreConfState(confState);
    if (!isEmptyHardState(hardState)) this.loadState(hardState);
    if (c.applied > 0) this.raftLog.appliedTo(c.applied);
    this.becomeFollower(this.term, None);
    this.logger.info(
      `newRaft ${this.id} [peers: [${this.trk.voters().join(",")}], term: ${this.term}, commit: ${this.raftLog.committed}, ` +
        `applied: ${this.raftLog.applied}, lastindex: ${this.raftLog.lastIndex()}, lastterm: ${this.raftLog.lastTerm()}]`,
    );
  }

  softState(): SoftState {
    return { lead: this.lead, raftState: this.state };
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.raftLog.committed };
  }

  private loadState(hs: HardState): void {
    if (hs.commit < this.raftLog.committed || hs.commit > this.raftLog.lastIndex()) {
      throw new Error(`${this.id} state.commit ${hs.commit} is out of range [${this.raftLog.committed}, ${this.raftLog.lastIndex()}]`);
    }
    this.raftLog.committed = hs.commit;
    this.term = hs.term;
    this.vote = hs.vote;
  }

  /** Queues a message for the host to send once the Ready holding it is persisted. */
  send(m: Message): void {
    if (m.from === None) m.from = this.id;
    const isVote =
      m.type === MessageType.MsgVote ||
      m.type === MessageType.MsgVoteResp ||
      m.type === MessageType.MsgPreVote ||
      m.type === MessageType.MsgPreVoteResp;
    if (isVote) {
      if (m.term === 0) throw new Error(`term should be set when sending ${MessageType[m.type]}`);
    } else {
      if (m.term !== 0) throw new Error(`term should not be set when sending ${MessageType[m.type]} (was ${m.term})`);
      // Proposals and read requests are forwarded to the leader like local messages: no term.
      if (m.type !== MessageType.MsgProp && m.type !== MessageType.MsgReadIndex) m.term = this.term;
    }
    this.msgs.push(m);
  }

  // ---- replication ----------------------------------------------------------

  sendAppend(to: NodeId): void {
    this.maybeSendAppend(to, true);
  }

  /**
   * Sends a MsgApp (or a snapshot when the entries it needs are compacted) to
   * `to`, unless its progress is paused. Returns whether a message was sent.
   */
  maybeSendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.trk.progress.get(to);
    if (pr === undefined || pr.isPaused()) return false;
    let prevTerm = 0;
    let ents: Entry[] = [];
    let compacted = false;
    try {
      prevTerm = this.raftLog.term(pr.next - 1);
      ents = this.raftLog.entries(pr.next, this.maxMsgSize);
    } catch (err) {
      if (!isRaftError(err)) throw err;
      compacted = true;
    }
    if (ents.length === 0 && !sendIfEmpty) return false;

    if (compacted) return this.maybeSendSnapshot(to, pr);

    const m = message({ type: MessageType.MsgApp, to, index: pr.next - 1, logTerm: prevTerm, entries: ents, commit: this.raftLog.committed });
    const n = ents.length;
    if (n > 0) {
      const last = ents[n - 1]!.index;
      switch (pr.state) {
        case 1 /* Replicate */:
          // Pipelining: assume it will arrive and keep streaming.
          pr.optimisticUpdate(last);
          pr.inflights.add(last);
          break;
        case 0 /* Probe */:
          pr.probeSent = true;
          break;
        default:
          throw new Error(`${this.id} is sending append in unhandled state ${pr.state}`);
      }
    }
    this.send(m);
    return true;
  }

  private maybeSendSnapshot(to: NodeId, pr: Progress): boolean {
    // Only a follower we heard from recently gets a (possibly large) snapshot.
    if (!pr.recentActive) {
      this.logger.debug(`ignore sending snapshot to ${to} since it is not recently active`);
      return false;
    }
    let snapshot: Snapshot;
    try {
      snapshot = this.raftLog.snapshot();
    } catch (err) {
      if (isRaftError(err, "SnapshotTemporarilyUnavailable")) {
        this.logger.debug(`${this.id} failed to send snapshot to ${to} because snapshot is temporarily unavailable`);
        return false;
      }
      throw err;
    }
    if (isEmptySnapshot(snapshot)) throw new Error("need non-empty snapshot");
    const { index, term } = snapshot.metadata;
    this.logger.info(
      `${this.id} [firstindex: ${this.raftLog.firstIndex()}, commit: ${this.raftLog.committed}] sent snapshot[index: ${index}, term: ${term}] to ${to} [${pr.toString()}]`,
    );
    pr.becomeSnapshot(index);
    this.send(message({ type: MessageType.MsgSnap, to, snapshot }));
    return true;
  }

  sendHeartbeat(to: NodeId, ctx: Uint8Array | undefined): void {
    // A follower must not learn a commit index beyond what it has: it could not commit it.
    const pr = this.trk.progress.get(to)!;
    const commit = Math.min(pr.match, this.raftLog.committed);
    const m = message({ type: MessageType.MsgHeartbeat, to, commit });
    if (ctx !== undefined) m.context = ctx;
    this.send(m);
  }

  bcastAppend(): void {
    this.trk.visit((id) => {
      if (id !== this.id) this.sendAppend(id);
    });
  }

  bcastHeartbeat(): void {
    this.bcastHeartbeatWithCtx(this.readOnly.lastPendingRequestCtx());
  }

  bcastHeartbeatWithCtx(ctx: Uint8Array | undefined): void {
    this.trk.visit((id) => {
      if (id !== this.id) this.sendHeartbeat(id, ctx);
    });
  }

  /** Advances the commit index to what a quorum holds, if that entry is of this term. */
  maybeCommit(): boolean {
    return this.raftLog.maybeCommit(this.trk.committed(), this.term);
  }

  /** Whether the leader has committed an entry of its own term (needed before serving ReadIndex). */
  committedEntryInCurrentTerm(): boolean {
    return this.raftLog.termOrZero(this.raftLog.committed) === this.term;
  }

  /** Appends proposals to the leader's log. Returns false if the uncommitted quota is exceeded. */
  appendEntry(es: Entry[]): boolean {
    const li = this.raftLog.lastIndex();
    // Copy: a duplicated MsgProp must not see its entries renumbered.
    const stamped = es.map((e, i) => ({ term: this.term, index: li + 1 + i, type: e.type, data: e.data }));
    if (!this.increaseUncommittedSize(stamped)) {
      this.logger.debug(`${this.id} appending new entries to log would exceed uncommitted entry size limit; dropping proposal`);
      return false;
    }
    const last = this.raftLog.append(stamped);
    this.trk.progress.get(this.id)!.maybeUpdate(last);
    // The caller broadcasts whatever maybeCommit decides.
    this.maybeCommit();
    return true;
  }

  private increaseUncommittedSize(ents: Entry[]): boolean {
    let s = 0;
    for (const e of ents) s += e.data.byteLength;
    // Always admit a proposal when nothing is uncommitted, however large it is.
    if (this.uncommittedSize > 0 && s > 0 && this.uncommittedSize + s > this.maxUncommittedSize) return false;
    this.uncommittedSize += s;
    return true;
  }

  reduceUncommittedSize(ents: Entry[]): void {
    if (this.uncommittedSize === 0) return;
    let s = 0;
    for (const e of ents) s += e.data.byteLength;
    this.uncommittedSize = s > this.uncommittedSize ? 0 : this.uncommittedSize - s;
  }

  // ---- roles ----------------------------------------------------------------

  reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = None;
    }
    this.lead = None;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.abortLeaderTransfer();
    this.trk.resetVotes();
    const last = this.raftLog.lastIndex();
    for (const [id, pr] of this.trk.progress) {
      const fresh = new Progress(last + 1, this.trk.maxInflight, pr.isLearner);
      if (id === this.id) fresh.match = last;
      this.trk.progress.set(id, fresh);
    }
    this.pendingConfIndex = 0;
    this.uncommittedSize = 0;
    this.readOnly = new ReadOnly(this.readOnly.option);
  }

  becomeFollower(term: number, lead: NodeId): void {
    this.reset(term);
    this.lead = lead;
    this.state = StateType.Follower;
    this.logger.info(`${this.id} became follower at term ${this.term}`);
  }

  becomeCandidate(): void {
    if (this.state === StateType.Leader) throw new Error("invalid transition [leader -> candidate]");
    this.reset(this.term + 1);
    this.vote = this.id;
    this.state = StateType.Candidate;
    this.logger.info(`${this.id} became candidate at term ${this.term}`);
  }

  becomePreCandidate(): void {
    if (this.state === StateType.Leader) throw new Error("invalid transition [leader -> pre-candidate]");
    // Neither the term nor the vote changes: that is the point of PreVote.
    this.trk.resetVotes();
    this.lead = None;
    this.state = StateType.PreCandidate;
    this.logger.info(`${this.id} became pre-candidate at term ${this.term}`);
  }

  becomeLeader(): void {
    if (this.state === StateType.Follower) throw new Error("invalid transition [follower -> leader]");
    this.reset(this.term);
    this.lead = this.id;
    this.state = StateType.Leader;
    // The leader's own log is trivially replicated to itself, and it is always active.
    const self = this.trk.progress.get(this.id);
    self?.becomeReplicate();
    if (self !== undefined) self.recentActive = true;
    // Any entry past the commit index may be a conf change; be conservative.
    this.pendingConfIndex = this.raftLog.lastIndex();
    // An empty entry of our term lets us commit (and learn the commit index of) earlier entries.
    const empty: Entry = { term: 0, index: 0, type: EntryType.Normal, data: new Uint8Array(0) };
    if (!this.appendEntry([empty])) throw new Error("empty entry was dropped");
    this.reduceUncommittedSize([empty]);
    this.logger.info(`${this.id} became leader at term ${this.term}`);
  }

  resetRandomizedElectionTimeout(): void {
    this.randomizedElectionTimeout = this.electionTimeout + Math.floor(this.random() * this.electionTimeout);
  }

  pastElectionTimeout(): boolean {
    return this.electionElapsed >= this.randomizedElectionTimeout;
  }

  /** Whether this member may campaign: a voter without a snapshot still to apply. */
  promotable(): boolean {
    const pr = this.trk.progress.get(this.id);
    return pr !== undefined && !pr.isLearner && !this.raftLog.hasPendingSnapshot();
  }

  // ---- elections ------------------------------------------------------------

  hup(t: CampaignType): void {
    if (this.state === StateType.Leader) {
      this.logger.debug(`${this.id} ignoring MsgHup because already leader`);
      return;
    }
    if (!this.promotable()) {
      this.logger.warn(`${this.id} is unpromotable and can not campaign`);
      return;
    }
    // A conf change committed but not applied could change who votes: wait for it.
    const pending = this.raftLog
      .slice(this.raftLog.applied + 1, this.raftLog.committed + 1, Number.MAX_SAFE_INTEGER)
      .filter((e) => e.type === EntryType.ConfChange).length;
    if (pending !== 0 && this.raftLog.committed > this.raftLog.applied) {
      this.logger.warn(`${this.id} cannot campaign at term ${this.term} since there are still ${pending} pending configuration changes to apply`);
      return;
    }
    this.logger.info(`${this.id} is starting a new election at term ${this.term}`);
    this.campaign(t);
  }

  campaign(t: CampaignType): void {
    let term: number;
    let voteMsg: MessageType;
    if (t === "pre-election") {
      this.becomePreCandidate();
      voteMsg = MessageType.MsgPreVote;
      // PreVote asks about the next term without moving to it.
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      voteMsg = MessageType.MsgVote;
      term = this.term;
    }
    const respType = voteMsg === MessageType.MsgVote ? MessageType.MsgVoteResp : MessageType.MsgPreVoteResp;
    if (this.poll(this.id, respType, true) === VoteResult.Won) {
      // A single-voter cluster wins on its own vote.
      if (t === "pre-election") this.campaign("election");
      else this.becomeLeader();
      return;
    }
    for (const id of this.trk.voters()) {
      if (id === this.id) continue;
      this.logger.info(
        `${this.id} [logterm: ${this.raftLog.lastTerm()}, index: ${this.raftLog.lastIndex()}] sent ${MessageType[voteMsg]} request to ${id} at term ${this.term}`,
      );
      const m = message({ type: voteMsg, to: id, term, index: this.raftLog.lastIndex(), logTerm: this.raftLog.lastTerm() });
      if (t === "transfer") m.context = campaignTransferContext;
      this.send(m);
    }
  }

  poll(id: NodeId, t: MessageType, granted: boolean): VoteResult {
    if (granted) this.logger.info(`${this.id} received ${MessageType[t]} from ${id} at term ${this.term}`);
    else this.logger.info(`${this.id} received ${MessageType[t]} rejection from ${id} at term ${this.term}`);
    this.trk.recordVote(id, granted);
    const { granted: g, rejected: r, result } = this.trk.tallyVotes();
    this.logger.info(`${this.id} has received ${g} ${MessageType[t]} votes and ${r} vote rejections`);
    return result;
  }

  // ---- leadership transfer --------------------------------------------------

  sendTimeoutNow(to: NodeId): void {
    this.send(message({ type: MessageType.MsgTimeoutNow, to }));
  }

  abortLeaderTransfer(): void {
    this.leadTransferee = None;
  }

  // ---- snapshots ------------------------------------------------------------

  /** Installs a snapshot from the leader. Returns false if it is stale or ignored. */
  restore(s: Snapshot): boolean {
    const { index, term, confState } = s.metadata;
    if (index <= this.raftLog.committed) return false;
    if (this.state !== StateType.Follower) {
      // Defense in depth: a leader or candidate must never install a snapshot.
      this.logger.warn(`${this.id} attempted to restore snapshot as leader; should never happen`);
      this.becomeFollower(this.term + 1, None);
      return false;
    }
    if (!confState.voters.includes(this.id) && !confState.learners.includes(this.id)) {
      this.logger.warn(`${this.id} attempted to restore snapshot but it is not in the ConfState ${JSON.stringify(confState)}; should never happen`);
      return false;
    }
    if (this.raftLog.matchTerm(index, term)) {
      // We already have the snapshot's last entry: just fast-forward the commit index.
      this.logger.info(`${this.id} [commit: ${this.raftLog.committed}, lastindex: ${this.raftLog.lastIndex()}] fast-forwarded commit to snapshot [index: ${index}, term: ${term}]`);
      this.raftLog.commitTo(index);
      return false;
    }
    this.raftLog.restore(s);
    this.trk.progress.clear();
    this.restoreConfState(confState);
    const pr = this.trk.progress.get(this.id);
    pr?.maybeUpdate(pr.next - 1);
    this.logger.info(`${this.id} [commit: ${this.raftLog.committed}] restored snapshot [index: ${index}, term: ${term}]`);
    return true;
  }

  private restoreConfState(cs: ConfState): void {
    const next = Math.max(this.raftLog.lastIndex(), 1);
    for (const id of cs.voters) this.trk.progress.set(id, new Progress(next, this.trk.maxInflight, false));
    for (const id of cs.learners) this.trk.progress.set(id, new Progress(next, this.trk.maxInflight, true));
    this.isLearner = this.trk.progress.get(this.id)?.isLearner === true;
  }
}
