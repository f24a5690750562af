// One simulated member: a RawNode with the host duties a real server has.
// It persists each Ready to its simulated disk, waits for the (simulated)
// fsync before sending messages and applying, applies committed entries to
// its KV state machine, serves reads through ReadIndex, snapshots and compacts.
import {
  ConfChangeType,
  decodeConfChange,
  type Entry,
  EntryType,
  isRaftError,
  type Message,
  MessageType,
  type NodeId,
  type Raft,
  type RaftConfig,
  RawNode,
  type Ready,
  StateType,
} from "@skiff/control-plane/raft";
import type { SimDisk } from "./disk.ts";
import type { EventQueue } from "./event-queue.ts";
import type { SafetyMonitor } from "./invariants.ts";
import { decodeCommand, KvStateMachine, type KvResult, type KvWrite } from "./kv.ts";
import type { Prng } from "./prng.ts";

export type ClientReply = { kind: "write"; result: KvResult } | { kind: "read"; value: string | null } | { kind: "dropped" };

export interface ClientRequest {
  client: number;
  seq: number;
  write?: KvWrite;
  readKey?: string;
  reply: (r: ClientReply) => void;
}

/** What a member needs from the simulation around it. */
export interface HostEnv {
  queue: EventQueue;
  prng: Prng;
  monitor: SafetyMonitor;
  send(m: Message): void;
  trace(line: string): void;
  makeRaft?: (c: RaftConfig) => Raft;
  /** Test-only host bug: send messages before the fsync they depend on. */
  sendBeforeFsync: boolean;
  snapshotEvery: number;
  /** Bytes of entries per MsgApp; tiny values send one entry per message. */
  maxSizePerMsg: number;
  maxInflightMsgs: number;
  onApplied(id: NodeId, e: Entry): void;
  onLeader(id: NodeId, term: number): void;
  /** The leader's commit index advanced (a moment worth striking at). */
  onLeaderCommit(id: NodeId): void;
  onRemoved(id: NodeId): void;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class SimHost {
  raw: RawNode;
  alive = true;
  removed = false;
  private incarnation = 0;
  private busy = false;
  private kv = new KvStateMachine();
  private lastCommit = 0;
  private wasLeaderTerm = 0;
  private snapshotIndex: number;
  private pendingWrites = new Map<string, ClientRequest>();
  private pendingReads = new Map<string, ClientRequest>();
  private readsAwaitingApply: { index: number; req: ClientRequest }[] = [];
  private readSeq = 0;

  constructor(
    readonly id: NodeId,
    readonly disk: SimDisk,
    private readonly env: HostEnv,
    private readonly electionTick: number,
  ) {
    this.snapshotIndex = disk.storage.snapshot().metadata.index;
    this.raw = this.newRawNode();
  }

  private newRawNode(): RawNode {
    const storage = this.disk.storage;
    const snap = storage.snapshot();
    this.kv = new KvStateMachine();
    this.kv.restore(snap.data);
    this.kv.appliedIndex = snap.metadata.index;
    this.snapshotIndex = snap.metadata.index;
    const config: RaftConfig = {
      id: this.id,
      storage,
      applied: snap.metadata.index,
      electionTick: this.electionTick,
      heartbeatTick: 1,
      preVote: true,
      checkQuorum: true,
      maxSizePerMsg: this.env.maxSizePerMsg,
      maxInflightMsgs: this.env.maxInflightMsgs,
      random: () => this.env.prng.next(),
    };
    const raw = new RawNode(config, this.env.makeRaft);
    this.lastCommit = raw.raft.raftLog.committed;
    return raw;
  }

  get raft(): Raft {
    return this.raw.raft;
  }

  tick(): void {
    if (!this.alive) return;
    this.raw.tick();
    this.pump();
  }

  receive(m: Message): void {
    if (!this.alive) return;
    try {
      this.raw.step(m);
    } catch (err) {
      // A response from a member removed meanwhile.
      if (!isRaftError(err, "StepPeerNotFound")) throw err;
    }
    this.pump();
  }

  reportSnapshot(to: NodeId, ok: boolean): void {
    if (!this.alive) return;
    this.raw.reportSnapshot(to, ok ? "finish" : "failure");
    this.pump();
  }

  submit(req: ClientRequest): void {
    if (!this.alive) return;
    try {
      if (req.write !== undefined) {
        this.pendingWrites.set(`${req.client}:${req.seq}`, req);
        this.raw.propose(encoder.encode(JSON.stringify({ client: req.client, seq: req.seq, write: req.write })));
      } else {
        const ctx = `${this.id}:${++this.readSeq}`;
        this.pendingReads.set(ctx, req);
        this.raw.readIndex(encoder.encode(ctx));
      }
    } catch (err) {
      if (!isRaftError(err, "ProposalDropped")) throw err;
      // Definitely not appended anywhere: the client may treat it as failed.
      this.pendingWrites.delete(`${req.client}:${req.seq}`);
      req.reply({ kind: "dropped" });
    }
    this.pump();
  }

  /** Proposes a marker entry (liveness probes); returns false if dropped. */
  proposeMarker(text: string): boolean {
    try {
      this.raw.propose(encoder.encode(text));
      this.pump();
      return true;
    } catch (err) {
      if (isRaftError(err, "ProposalDropped")) return false;
      throw err;
    }
  }

  private pump(): void {
    this.observe();
    if (this.busy || !this.alive || !this.raw.hasReady()) return;
    const rd = this.raw.ready();
    this.busy = true;
    const log = this.raft.raftLog;
    if (rd.snapshot !== undefined) this.disk.write({ kind: "snapshot", snapshot: rd.snapshot });
    if (rd.entries.length > 0) {
      const first = rd.entries[0]!;
      this.env.monitor.onAppend(this.id, rd.entries, log.termOrZero(first.index - 1));
      this.disk.write({ kind: "entries", entries: rd.entries });
    }
    if (rd.hardState !== undefined) this.disk.write({ kind: "hardState", hardState: rd.hardState });
    if (this.env.sendBeforeFsync) {
      for (const m of rd.messages) this.env.send(this.mergeSnapshot(m));
      rd.messages = [];
    }
    if (rd.mustSync || rd.snapshot !== undefined) {
      const incarnation = this.incarnation;
      this.env.queue.schedule(this.env.prng.range(0.5, 4), () => {
        if (this.incarnation !== incarnation) return; // crashed meanwhile
        this.disk.fsync();
        this.complete(rd);
      });
    } else {
      this.complete(rd);
    }
  }

  private complete(rd: Ready): void {
    for (const m of rd.messages) this.env.send(this.mergeSnapshot(m));
    if (rd.snapshot !== undefined) {
      this.kv.restore(rd.snapshot.data);
      this.kv.appliedIndex = rd.snapshot.metadata.index;
      this.snapshotIndex = rd.snapshot.metadata.index;
      this.env.trace(`${this.id} installed snapshot at ${rd.snapshot.metadata.index}`);
    }
    for (const e of rd.committedEntries) this.apply(e);
    for (const rs of rd.readStates) {
      const req = this.pendingReads.get(decoder.decode(rs.requestCtx));
      if (req === undefined) continue;
      this.pendingReads.delete(decoder.decode(rs.requestCtx));
      this.readsAwaitingApply.push({ index: rs.index, req });
    }
    this.raw.advance();
    this.busy = false;
    this.serveReads();
    this.maybeSnapshot();
    if (this.removed) {
      this.shutdown();
      return;
    }
    this.pump();
  }

  /**
   * Like etcd's server, send the state machine as of now rather than the
   * stored snapshot: the stored one may predate the configuration that added
   * the receiver, which would then refuse it.
   */
  private mergeSnapshot(m: Message): Message {
    if (m.type !== MessageType.MsgSnap || m.snapshot === undefined) return m;
    const index = this.kv.appliedIndex;
    const term = this.raft.raftLog.termOrZero(index);
    if (index <= m.snapshot.metadata.index || term === 0) return m;
    return { ...m, snapshot: { data: this.kv.snapshot(), metadata: { index, term, confState: this.raft.trk.confState() } } };
  }

  private apply(e: Entry): void {
    this.env.monitor.onApply(this.id, e);
    this.kv.appliedIndex = e.index;
    if (e.type === EntryType.ConfChange) {
      const cc = decodeConfChange(e.data);
      const cs = this.raw.applyConfChange(cc);
      this.env.trace(`${this.id} applied conf change ${ConfChangeType[cc.type]} ${cc.nodeId} at ${e.index}: voters=${cs.voters} learners=${cs.learners}`);
      if (cc.type === ConfChangeType.RemoveNode && cc.nodeId === this.id) this.removed = true;
      this.env.onApplied(this.id, e);
      return;
    }
    this.env.onApplied(this.id, e);
    const cmd = decodeCommand(e.data);
    if (cmd === undefined) return;
    const result = this.kv.apply(cmd);
    const key = `${cmd.client}:${cmd.seq}`;
    const req = this.pendingWrites.get(key);
    if (req !== undefined && result !== undefined) {
      this.pendingWrites.delete(key);
      req.reply({ kind: "write", result });
    }
  }

  private serveReads(): void {
    if (this.readsAwaitingApply.length === 0) return;
    const ready = this.readsAwaitingApply.filter((r) => r.index <= this.kv.appliedIndex);
    this.readsAwaitingApply = this.readsAwaitingApply.filter((r) => r.index > this.kv.appliedIndex);
    for (const r of ready) r.req.reply({ kind: "read", value: this.kv.get(r.req.readKey!) });
  }

  private maybeSnapshot(): void {
    const applied = this.kv.appliedIndex;
    if (applied - this.snapshotIndex < this.env.snapshotEvery) return;
    // Keep a few entries behind the snapshot so slightly lagging followers catch up by appends.
    const compactTo = Math.max(this.snapshotIndex, applied - 5);
    this.disk.snapshotAndCompact(applied, this.raft.trk.confState(), this.kv.snapshot(), compactTo);
    this.snapshotIndex = applied;
  }

  /** Feeds the safety monitor with what changed in this member since the last look. */
  private observe(): void {
    const r = this.raft;
    if (r.raftLog.committed > this.lastCommit) {
      this.env.monitor.onCommit(this.id, r.raftLog, this.lastCommit, r.raftLog.committed);
      this.lastCommit = r.raftLog.committed;
      if (r.state === StateType.Leader) this.env.onLeaderCommit(this.id);
    }
    if (r.state === StateType.Leader && this.wasLeaderTerm !== r.term) {
      this.wasLeaderTerm = r.term;
      this.env.trace(`${this.id} became leader at term ${r.term} (last index ${r.raftLog.lastIndex()}, commit ${r.raftLog.committed})`);
      this.env.monitor.onLeader(this.id, r.term, r.raftLog);
      this.env.onLeader(this.id, r.term);
    }
  }

  crash(): void {
    if (!this.alive) return;
    this.alive = false;
    this.incarnation++;
    this.busy = false;
    this.disk.crash(this.env.prng);
    this.pendingWrites.clear();
    this.pendingReads.clear();
    this.readsAwaitingApply = [];
  }

  restart(): void {
    if (this.alive || this.removed) return;
    this.raw = this.newRawNode();
    this.wasLeaderTerm = 0;
    this.alive = true;
    this.pump();
  }

  private shutdown(): void {
    this.env.trace(`${this.id} removed from the cluster; shutting down`);
    this.alive = false;
    this.incarnation++;
    this.env.onRemoved(this.id);
  }
}
