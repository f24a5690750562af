// The host's handle on a Raft member. The host drives it with tick, step and
// propose, then takes a Ready (what to persist, send and apply), does that work,
// and acknowledges it with advance() before taking the next Ready.
import type { RaftConfig } from "./config.ts";
import { encodeConfChange, type ConfChange } from "./conf-change.ts";
import { isRaftError, RaftError } from "./errors.ts";
import { applyConfChange } from "./membership.ts";
import { ProgressState } from "./progress.ts";
import { Raft } from "./raft.ts";
import {
  type ConfState,
  type Entry,
  EntryType,
  type HardState,
  hardStateEqual,
  isEmptyHardState,
  isLocalMessage,
  isResponseMessage,
  type Message,
  message,
  MessageType,
  type NodeId,
  type ReadState,
  type Snapshot,
  type SoftState,
  StateType,
} from "./types.ts";

export interface Ready {
  /** Set when the leader or role changed; volatile, nothing to persist. */
  softState?: SoftState;
  /** Set when term, vote or commit changed; persist before sending messages. */
  hardState?: HardState;
  readStates: ReadState[];
  /** Entries to append to stable storage before sending messages. */
  entries: Entry[];
  /** A snapshot to persist and load into the state machine. */
  snapshot?: Snapshot;
  /** Entries committed by a quorum, to apply in order (after persisting the above). */
  committedEntries: Entry[];
  /** Messages to send once entries and hard state are durable. */
  messages: Message[];
  /** Whether the persisted writes need an fsync (new entries, or a term or vote change). */
  mustSync: boolean;
}

export interface ProgressStatus {
  match: number;
  next: number;
  state: string;
  isLearner: boolean;
  recentActive: boolean;
}

export interface Status {
  id: NodeId;
  hardState: HardState;
  softState: SoftState;
  applied: number;
  leadTransferee: NodeId;
  progress: Map<NodeId, ProgressStatus>;
  confState: ConfState;
}

export type SnapshotStatus = "finish" | "failure";

export class RawNode {
  readonly raft: Raft;
  private prevSoftState: SoftState;
  private prevHardState: HardState;
  private pending: Ready | undefined = undefined;

  /** `make` lets tests substitute a deliberately broken variant of the core. */
  constructor(config: RaftConfig, make: (c: RaftConfig) => Raft = (c) => new Raft(c)) {
    this.raft = make(config);
    this.prevSoftState = this.raft.softState();
    this.prevHardState = this.raft.hardState();
  }

  tick(): void {
    this.raft.tick();
  }

  /** Starts an election now instead of waiting for the election timeout. */
  campaign(): void {
    this.raft.step(message({ type: MessageType.MsgHup }));
  }

  /** Proposes data to be appended to the log. Throws RaftError "ProposalDropped". */
  propose(data: Uint8Array): void {
    this.raft.step(message({ type: MessageType.MsgProp, from: this.raft.id, entries: [entry(EntryType.Normal, data)] }));
  }

  /** Proposes several entries in one step: they are appended and replicated together. */
  proposeBatch(data: Uint8Array[]): void {
    if (data.length === 0) return;
    this.raft.step(message({ type: MessageType.MsgProp, from: this.raft.id, entries: data.map((d) => entry(EntryType.Normal, d)) }));
  }

  proposeConfChange(cc: ConfChange): void {
    this.raft.step(
      message({ type: MessageType.MsgProp, from: this.raft.id, entries: [entry(EntryType.ConfChange, encodeConfChange(cc))] }),
    );
  }

  /** Applies a committed conf change entry; returns the new configuration. */
  applyConfChange(cc: ConfChange): ConfState {
    return applyConfChange(this.raft, cc);
  }

  /**
   * Feeds a message from a peer. Proposals forwarded to us that we must drop
   * are dropped silently: the proposing client times out, as with a lost message.
   */
  step(m: Message): void {
    if (isLocalMessage(m.type)) throw new RaftError("StepLocalMsg", `cannot step local message ${MessageType[m.type]}`);
    if (!this.raft.trk.progress.has(m.from) && isResponseMessage(m.type)) {
      throw new RaftError("StepPeerNotFound", `response from unknown member ${m.from}`);
    }
    try {
      this.raft.step(m);
    } catch (err) {
      if (isRaftError(err, "ProposalDropped") && m.from !== this.raft.id) return;
      throw err;
    }
  }

  transferLeader(transferee: NodeId): void {
    this.raft.step(message({ type: MessageType.MsgTransferLeader, from: transferee }));
  }

  /**
   * Asks for a read index; the answer arrives as a ReadState carrying `ctx` in
   * a later Ready. Reads applied at or after that index are linearizable.
   */
  readIndex(ctx: Uint8Array): void {
    this.raft.step(message({ type: MessageType.MsgReadIndex, entries: [entry(EntryType.Normal, ctx)] }));
  }

  reportUnreachable(id: NodeId): void {
    this.raft.step(message({ type: MessageType.MsgUnreachable, from: id }));
  }

  reportSnapshot(id: NodeId, status: SnapshotStatus): void {
    this.raft.step(message({ type: MessageType.MsgSnapStatus, from: id, reject: status === "failure" }));
  }

  hasReady(): boolean {
    if (this.pending !== undefined) return false;
    const r = this.raft;
    if (!softStateEqual(r.softState(), this.prevSoftState)) return true;
    const hs = r.hardState();
    if (!isEmptyHardState(hs) && !hardStateEqual(hs, this.prevHardState)) return true;
    if (r.raftLog.hasPendingSnapshot()) return true;
    if (r.msgs.length > 0 || r.raftLog.unstableEntries().length > 0 || r.raftLog.hasNextEnts()) return true;
    return r.readStates.length > 0;
  }

  /** Takes the next batch of work. Call advance() once it is done, before the next ready(). */
  ready(): Ready {
    if (this.pending !== undefined) throw new Error("ready() called again before advance()");
    const r = this.raft;
    const entries = r.raftLog.unstableEntries();
    const rd: Ready = {
      readStates: r.readStates,
      entries,
      committedEntries: r.raftLog.nextEnts(),
      messages: r.msgs,
      mustSync: false,
    };
    const soft = r.softState();
    if (!softStateEqual(soft, this.prevSoftState)) {
      rd.softState = soft;
      this.prevSoftState = soft;
    }
    const hard = r.hardState();
    if (!hardStateEqual(hard, this.prevHardState)) rd.hardState = hard;
    const snap = r.raftLog.unstable.snapshot;
    if (snap !== undefined) rd.snapshot = snap;
    rd.mustSync = entries.length > 0 || hard.vote !== this.prevHardState.vote || hard.term !== this.prevHardState.term;
    r.msgs = [];
    r.readStates = [];
    this.pending = rd;
    return rd;
  }

  /** The host has persisted, sent and applied the last Ready. */
  advance(): void {
    const rd = this.pending;
    if (rd === undefined) throw new Error("advance() called without a pending Ready");
    this.pending = undefined;
    const r = this.raft;
    if (rd.hardState !== undefined) this.prevHardState = rd.hardState;
    r.reduceUncommittedSize(rd.committedEntries);
    const lastCommitted = rd.committedEntries[rd.committedEntries.length - 1];
    const applied = lastCommitted?.index ?? rd.snapshot?.metadata.index ?? 0;
    if (applied > 0) r.raftLog.appliedTo(applied);
    const lastEntry = rd.entries[rd.entries.length - 1];
    if (lastEntry !== undefined) r.raftLog.stableTo(lastEntry.index, lastEntry.term);
    if (rd.snapshot !== undefined) r.raftLog.stableSnapTo(rd.snapshot.metadata.index);
  }

  status(): Status {
    const r = this.raft;
    const progress = new Map<NodeId, ProgressStatus>();
    if (r.state === StateType.Leader) {
      r.trk.visit((id, pr) => {
        progress.set(id, {
          match: pr.match,
          next: pr.next,
          state: ProgressState[pr.state],
          isLearner: pr.isLearner,
          recentActive: pr.recentActive,
        });
      });
    }
    return {
      id: r.id,
      hardState: r.hardState(),
      softState: r.softState(),
      applied: r.raftLog.applied,
      leadTransferee: r.leadTransferee,
      progress,
      confState: r.trk.confState(),
    };
  }
}

function entry(type: EntryType, data: Uint8Array): Entry {
  return { term: 0, index: 0, type, data };
}

function softStateEqual(a: SoftState, b: SoftState): boolean {
  return a.lead === b.lead && a.raftState === b.raftState;
}

