// Runs one Raft member for real: ticks on a timer, persists every Ready to
// the WAL (fsync, group-committed), sends its messages, applies committed
// entries to the replicated state machine, and takes snapshots every
// `snapshotCount` entries, after which older WAL segments go.
//
// One Ready at a time, as etcd's raftNode does it:
//   - a leader sends its messages first and writes its own entries while
//     they travel (Raft thesis §10.2.1); the commits they lead to surface
//     only in a later Ready, taken once this write is durable. Anyone else
//     writes first: a follower acknowledges only what it holds on disk, and
//     a vote leaves only once it is recorded (the proposals and read-index
//     requests it forwards to the leader leave at once);
//   - entries committed earlier are applied while the write is under way;
//   - the WAL is fsync'd only when Raft says so (Ready.mustSync: new entries,
//     or a new term or vote); a commit index alone is written without one;
//   - proposals that arrive while a Ready is being handled are proposed
//     together, as one batch of entries, and a Ready's appends to a follower
//     leave as one MsgApp (coalesce.ts);
//   - a snapshot is encoded in the loop but written in the background.
// It also stops waiting for the election timeout when the transport finds
// the leader's process gone (peerDown).
import { mkdir, readdir } from "node:fs/promises";
import type { Logger } from "../../logger.ts";
import {
  type ConfChange,
  type ConfState,
  decodeConfChange,
  encodeConfChange,
  type Entry,
  EntryType,
  isRaftError,
  MemoryStorage,
  type Message,
  MessageType,
  type NodeId,
  None,
  RawNode,
  type ReadState,
  type Ready,
  type Snapshot,
  type SoftState,
  StateType,
} from "../../raft/index.ts";
import { SnapshotFiles } from "../snap/index.ts";
import { coalesceMessages } from "./coalesce.ts";
import { Wal } from "../wal/index.ts";

/** The state machine the runner applies committed entries to. */
export interface ReplicatedMachine {
  applyEntry(e: Entry): void;
  /** After Raft switched configuration for a committed membership change. */
  applyConfChange(cc: ConfChange, index: number): void;
  snapshot(): Uint8Array;
  /** snapshot() of the state as of the call, made without holding up the event loop for long. */
  snapshotLater(): Promise<Uint8Array>;
  restore(data: Uint8Array, index: number): void;
}

export interface RaftRunnerOptions {
  id: number;
  walDir: string;
  snapDir: string;
  heartbeatMs: number;
  electionTicks: number;
  snapshotCount: number;
  /** Entries kept in memory behind a snapshot so slow followers catch up by appends. */
  catchUpEntries?: number;
  machine: ReplicatedMachine;
  send(msgs: Message[]): void;
  logger: Logger;
  onReadState(rs: ReadState): void;
  onSoftState(ss: SoftState, term: number): void;
  onApplied(index: number): void;
  onFatal(err: Error): void;
  /** Each fsync of the WAL's records, in seconds. */
  onWalFsync?: (seconds: number) => void;
}

export interface StartedRaft {
  runner: RaftRunner;
  metadata: Uint8Array;
  restarted: boolean;
}

/** Zero fill kept ahead of the WAL's records: an fsync then writes no file size (see segment-writer.ts). */
const walPreallocateBytes = 4 << 20;

interface PendingProposal {
  data: Uint8Array;
  dropped: () => void;
}

/**
 * A follower's messages in two groups: the proposals and read-index requests
 * it forwards to the leader, which may leave at once (they carry a client's
 * request, nothing about what this member holds), and everything else
 * (acknowledgements, votes), which must wait until the Ready is on disk.
 * Sending a forwarded proposal early saves it a wait for this member's fsync.
 */
export function splitForwardedRequests(messages: readonly Message[]): [Message[], Message[]] {
  const early: Message[] = [];
  const late: Message[] = [];
  for (const m of messages) (m.type === MessageType.MsgProp || m.type === MessageType.MsgReadIndex ? early : late).push(m);
  return [early, late];
}

export class RaftRunner {
  private stopped = false;
  private proposals: PendingProposal[] = [];
  private wakeUp: (() => void) | undefined = undefined;
  private wakeScheduled = false;
  private campaignTimer: NodeJS.Timeout | undefined = undefined;
  /** The dead leader a turn to campaign is scheduled for, if any. */
  private campaignFor: NodeId = None;
  private ticker: NodeJS.Timeout | undefined = undefined;
  private snapshotIndex: number;
  /** A snapshot being written in the background. */
  private snapshotting: Promise<void> | undefined = undefined;
  private loopDone: Promise<void> = Promise.resolve();

  private constructor(
    private readonly opts: RaftRunnerOptions,
    readonly raw: RawNode,
    readonly storage: MemoryStorage,
    private readonly wal: Wal,
    private readonly snaps: SnapshotFiles,
  ) {
    this.snapshotIndex = storage.snapshot().metadata.index;
  }

  /**
   * Restarts from the WAL and newest snapshot in the data directory if there
   * is one; otherwise creates them with `metadata` and, for a new cluster, the
   * initial membership as conf change entries (as etcd bootstraps).
   */
  static async start(opts: RaftRunnerOptions, fresh: { metadata: Uint8Array; initialMembers: ConfChange[] }): Promise<StartedRaft> {
    const log = (event: Record<string, unknown>): void => opts.logger.info(String(event.msg ?? "wal"), event);
    await mkdir(opts.snapDir, { recursive: true });
    const snaps = new SnapshotFiles(opts.snapDir, { logger: log });
    const storage = new MemoryStorage();
    const hasWal = await readdir(opts.walDir).then(
      (files) => files.some((f) => f.endsWith(".wal")),
      () => false,
    );
    const markers = hasWal ? await Wal.readSnapshotMarkers(opts.walDir) : undefined;
    const config = {
      id: opts.id,
      storage,
      electionTick: opts.electionTicks,
      heartbeatTick: 1,
      preVote: true,
      checkQuorum: true,
      maxSizePerMsg: 1 << 20,
      maxInflightMsgs: 256,
      maxUncommittedEntriesSize: 1 << 30,
      random: Math.random,
    };
    if (markers !== undefined) {
      const snapshot = await snaps.loadNewest((p) => markers.some((m) => m.index === p.index && m.term === p.term));
      const from = snapshot === undefined ? { index: 0, term: 0 } : { index: snapshot.metadata.index, term: snapshot.metadata.term };
      const contents = await Wal.open(opts.walDir, from, { logger: log, preallocateBytes: walPreallocateBytes, onFsync: opts.onWalFsync });
      if (contents.repairedTail !== undefined) opts.logger.warn("cut a torn WAL tail", { ...contents.repairedTail });
      if (snapshot !== undefined) {
        storage.applySnapshot(snapshot);
        opts.machine.restore(snapshot.data, snapshot.metadata.index);
      }
      storage.append(contents.entries);
      // A snapshot of applied entries implies they are committed even if that commit index was not saved.
      const hs = contents.hardState;
      storage.setHardState({ ...hs, commit: Math.max(hs.commit, storage.firstIndex() - 1) });
      const raw = new RawNode({ ...config, applied: snapshot?.metadata.index ?? 0 });
      opts.logger.info("restarted raft member", { snapshot: from.index, entries: contents.entries.length, term: hs.term, commit: hs.commit });
      const runner = new RaftRunner(opts, raw, storage, contents.wal, snaps);
      runner.begin();
      return { runner, metadata: contents.metadata, restarted: true };
    }

    const wal = await Wal.create(opts.walDir, fresh.metadata, { logger: log, preallocateBytes: walPreallocateBytes, onFsync: opts.onWalFsync });
    const entries: Entry[] = fresh.initialMembers.map((cc, i) => ({
      term: 1,
      index: i + 1,
      type: EntryType.ConfChange,
      data: encodeConfChange(cc),
    }));
    const hardState = { term: entries.length > 0 ? 1 : 0, vote: 0, commit: entries.length };
    if (entries.length > 0) {
      await wal.save(entries, hardState);
      storage.append(entries);
      storage.setHardState(hardState);
    }
    const raw = new RawNode(config);
    // Raft must know the initial voters before the first election; the
    // entries are applied again (idempotently) when they come out committed.
    for (const cc of fresh.initialMembers) raw.applyConfChange(cc);
    const runner = new RaftRunner(opts, raw, storage, wal, snaps);
    runner.begin();
    return { runner, metadata: fresh.metadata, restarted: false };
  }

  private begin(): void {
    this.ticker = setInterval(() => {
      this.raw.tick();
      this.notify();
    }, this.opts.heartbeatMs);
    this.loopDone = this.loop().catch((err: unknown) => {
      if (this.stopped) return;
      this.opts.onFatal(err instanceof Error ? err : new Error(String(err)));
    });
  }

  /** Something may have produced a Ready: wake the loop. */
  notify(): void {
    if (this.wakeUp === undefined || this.wakeScheduled) return;
    // After the I/O callbacks of this turn of the event loop: everything that
    // arrived in it (client requests, peer messages) goes into one Ready.
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      const w = this.wakeUp;
      this.wakeUp = undefined;
      w?.();
    });
  }

  /**
   * Queues a proposal for the next Ready; `dropped` runs if Raft refuses it
   * (no leader known, or leadership being transferred).
   */
  propose(data: Uint8Array, dropped: () => void): void {
    this.proposals.push({ data, dropped });
    this.notify();
  }

  private proposeQueued(): void {
    if (this.proposals.length === 0) return;
    const batch = this.proposals;
    this.proposals = [];
    try {
      this.raw.proposeBatch(batch.map((p) => p.data));
    } catch (err) {
      if (!isRaftError(err, "ProposalDropped")) throw err;
      for (const p of batch) p.dropped();
    }
  }

  /**
   * A peer's process is gone (its address refuses connections). If it led
   * us, waiting out the election timeout (1–2 s by default) only delays the
   * next leader: step past the dead leader's lease now, so this member grants
   * votes (CheckQuorum refuses them while the lease runs), then campaign.
   * The survivors all notice at once, so they take turns to avoid splitting
   * the vote: by member id, a heartbeat apart (an election on loopback takes
   * a few milliseconds), with a little jitter; one that cannot win (a shorter
   * log) simply loses to the next. Should the leader in fact be alive,
   * PreVote keeps this harmless: members still hearing from it refuse.
   */
  peerDown(peer: NodeId): void {
    const r = this.raw.raft;
    const stillLed = (): boolean => !this.stopped && r.state === StateType.Follower && r.lead === peer;
    if (!stillLed()) return;
    const turn = r.trk
      .voters()
      .filter((id) => id !== peer)
      .sort((a, b) => a - b)
      .indexOf(this.opts.id);
    // Told again (every failed send to the dead leader says so), the turn already taken stands.
    if (turn < 0 || this.campaignFor === peer) return;
    this.opts.logger.info("the leader's process is gone; not waiting for the election timeout", { leader: peer.toString(16), turn });
    // Out of the lease, without this member's own election timer firing on the
    // way or before its turn: its randomized timeout is drawn again (from
    // Raft's own randomness) until it falls after the turn.
    while (stillLed() && r.electionElapsed < r.electionTimeout - 1) this.raw.tick();
    for (let i = 0; i < 32 && r.randomizedElectionTimeout <= r.electionTimeout + turn; i++) r.resetRandomizedElectionTimeout();
    if (stillLed()) this.raw.tick();
    this.notify();
    clearTimeout(this.campaignTimer);
    this.campaignFor = peer;
    const campaign = (): void => {
      this.campaignFor = None;
      if (!stillLed()) return;
      this.raw.campaign();
      this.notify();
    };
    this.campaignTimer = setTimeout(campaign, (turn + Math.random() / 4) * this.opts.heartbeatMs);
  }

  step(msgs: Message[]): void {
    for (const m of msgs) {
      try {
        this.raw.step(m);
      } catch (err) {
        if (!isRaftError(err, "StepPeerNotFound")) throw err;
      }
    }
    this.notify();
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      this.proposeQueued();
      if (!this.raw.hasReady()) {
        await new Promise<void>((resolve) => (this.wakeUp = resolve));
        continue;
      }
      const rd = this.raw.ready();
      if (rd.snapshot !== undefined) await this.handleWithSnapshot(rd);
      else await this.handle(rd);
      if (this.stopped) return;
      this.raw.advance();
      const applied = this.raw.raft.raftLog.applied;
      this.opts.onApplied(applied);
      this.maybeSnapshot(applied);
    }
  }

  private async handle(rd: Ready): Promise<void> {
    const leader = this.raw.raft.state === StateType.Leader;
    // A follower's own messages wait until its write is durable, except the
    // requests it forwards to the leader, which promise nothing about its log.
    const [early, late] = leader ? [rd.messages, []] : splitForwardedRequests(rd.messages);
    this.sendAll(early);
    const written = this.write(rd);
    if (rd.softState !== undefined) this.opts.onSoftState(rd.softState, this.raw.raft.term);
    // Entries of this very Ready that are already committed (a lone member,
    // or a follower catching up) are applied only once they are durable here.
    const firstNew = rd.entries[0]?.index ?? Infinity;
    const lastCommitted = rd.committedEntries.at(-1)?.index ?? 0;
    if (lastCommitted < firstNew) this.applyAll(rd);
    await written;
    if (this.stopped) return;
    this.storage.append(rd.entries);
    if (rd.hardState !== undefined) this.storage.setHardState(rd.hardState);
    this.sendAll(late);
    if (lastCommitted >= firstNew) this.applyAll(rd);
  }

  /** A Ready with a snapshot to install: everything strictly in order. */
  private async handleWithSnapshot(rd: Ready): Promise<void> {
    const snapshot = rd.snapshot!;
    await this.snaps.save(snapshot);
    await this.wal.saveSnapshotMarker(snapshot.metadata.index, snapshot.metadata.term);
    await this.write(rd);
    if (this.stopped) return;
    this.storage.applySnapshot(snapshot);
    this.opts.machine.restore(snapshot.data, snapshot.metadata.index);
    this.snapshotIndex = snapshot.metadata.index;
    this.storage.append(rd.entries);
    if (rd.hardState !== undefined) this.storage.setHardState(rd.hardState);
    this.sendAll(rd.messages);
    if (rd.softState !== undefined) this.opts.onSoftState(rd.softState, this.raw.raft.term);
    this.applyAll(rd);
  }

  /**
   * Writes the Ready's entries and hard state to the WAL. Resolves once they
   * are durable, or at once when Raft needs no fsync (only the commit index
   * moved): that write is ordered before every later one and is durable with
   * the next fsync, and a commit index may be behind after a crash.
   */
  private write(rd: Ready): Promise<void> {
    if (rd.entries.length === 0 && rd.hardState === undefined) return Promise.resolve();
    const saved = this.wal.save(rd.entries, rd.hardState, { sync: rd.mustSync });
    if (rd.mustSync) return saved;
    saved.catch((err: unknown) => {
      if (!this.stopped) this.opts.onFatal(err instanceof Error ? err : new Error(String(err)));
    });
    return Promise.resolve();
  }

  private sendAll(messages: Message[]): void {
    if (messages.length === 0) return;
    this.opts.send(coalesceMessages(messages).map((m) => this.withFreshSnapshot(m)));
  }

  private applyAll(rd: Ready): void {
    for (const e of rd.committedEntries) this.apply(e);
    for (const rs of rd.readStates) this.opts.onReadState(rs);
  }

  private apply(e: Entry): void {
    if (e.type === EntryType.ConfChange) {
      const cc = decodeConfChange(e.data);
      this.raw.applyConfChange(cc);
      this.opts.machine.applyConfChange(cc, e.index);
      return;
    }
    this.opts.machine.applyEntry(e);
  }

  /**
   * A follower that needs a snapshot gets the state machine as of now, as
   * etcd sends it: the stored snapshot may predate the configuration that
   * added the follower, which would then refuse it.
   */
  private withFreshSnapshot(m: Message): Message {
    if (m.type !== MessageType.MsgSnap || m.snapshot === undefined) return m;
    const index = this.raw.raft.raftLog.applied;
    const term = this.raw.raft.raftLog.termOrZero(index);
    if (index <= m.snapshot.metadata.index || term === 0) return m;
    const snapshot: Snapshot = { data: this.opts.machine.snapshot(), metadata: { index, term, confState: this.raw.raft.trk.confState() } };
    return { ...m, snapshot };
  }

  /**
   * Every `snapshotCount` applied entries: takes the state machine as of
   * `applied` (and the configuration with it) now, and encodes it, writes the
   * file, records its marker and releases older WAL segments in the
   * background, so the Ready loop stalls neither on encoding the whole state
   * nor on writing and fsyncing it. Order on disk stays: file, marker, release.
   */
  private maybeSnapshot(applied: number): void {
    if (this.snapshotting !== undefined || applied - this.snapshotIndex < this.opts.snapshotCount) return;
    const started = performance.now();
    const confState = this.raw.raft.trk.confState();
    const data = this.opts.machine.snapshotLater();
    this.snapshotIndex = applied;
    this.snapshotting = this.persistSnapshot(applied, confState, data, started).then(
      () => (this.snapshotting = undefined),
      (err: unknown) => {
        this.snapshotting = undefined;
        if (!this.stopped) this.opts.onFatal(err instanceof Error ? err : new Error(String(err)));
      },
    );
  }

  private async persistSnapshot(applied: number, confState: ConfState, data: Promise<Uint8Array>, started: number): Promise<void> {
    const encoded = await data;
    const encodeMs = performance.now() - started;
    // A leader's snapshot installed meanwhile (a follower far behind) supersedes this one.
    if (this.stopped || this.storage.snapshot().metadata.index >= applied) return;
    const snap = this.storage.createSnapshot(applied, confState, encoded);
    const { index, term } = snap.metadata;
    await this.snaps.save(snap);
    await this.wal.saveSnapshotMarker(index, term);
    const compactTo = index - (this.opts.catchUpEntries ?? 5000);
    if (compactTo > this.storage.firstIndex()) this.storage.compact(compactTo);
    await this.wal.releaseTo(index);
    await this.snaps.purge(5);
    this.opts.logger.info("saved snapshot", {
      index,
      term,
      bytes: snap.data.byteLength,
      encodeMs: Math.round(encodeMs),
      totalMs: Math.round(performance.now() - started),
    });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.ticker !== undefined) clearInterval(this.ticker);
    clearTimeout(this.campaignTimer);
    this.notify();
    await this.loopDone;
    await this.snapshotting;
    await this.wal.close();
  }
}
