// Runs one Raft member for real: ticks on a timer, persists every Ready to
// the WAL (fsync, group-committed) before its messages leave, applies
// committed entries to the replicated state machine, and takes snapshots
// every `snapshotCount` entries, after which older WAL segments go.
import { mkdir, readdir } from "node:fs/promises";
import type { Logger } from "../../logger.ts";
import {
  type ConfChange,
  decodeConfChange,
  encodeConfChange,
  type Entry,
  EntryType,
  isRaftError,
  MemoryStorage,
  type Message,
  MessageType,
  RawNode,
  type ReadState,
  type Ready,
  type Snapshot,
  type SoftState,
} from "../../raft/index.ts";
import { SnapshotFiles } from "../snap/index.ts";
import { Wal } from "../wal/index.ts";

/** The state machine the runner applies committed entries to. */
export interface ReplicatedMachine {
  applyEntry(e: Entry): void;
  /** After Raft switched configuration for a committed membership change. */
  applyConfChange(cc: ConfChange, index: number): void;
  snapshot(): Uint8Array;
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
}

export interface StartedRaft {
  runner: RaftRunner;
  metadata: Uint8Array;
  restarted: boolean;
}

export class RaftRunner {
  private stopped = false;
  private wakeUp: (() => void) | undefined = undefined;
  private ticker: NodeJS.Timeout | undefined = undefined;
  private snapshotIndex: number;
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
      const contents = await Wal.open(opts.walDir, from, { logger: log });
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

    const wal = await Wal.create(opts.walDir, fresh.metadata, { logger: log });
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
    const w = this.wakeUp;
    this.wakeUp = undefined;
    w?.();
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
      if (!this.raw.hasReady()) {
        await new Promise<void>((resolve) => (this.wakeUp = resolve));
        continue;
      }
      const rd = this.raw.ready();
      await this.persist(rd);
      if (this.stopped) return;
      if (rd.snapshot !== undefined) {
        this.storage.applySnapshot(rd.snapshot);
        this.opts.machine.restore(rd.snapshot.data, rd.snapshot.metadata.index);
        this.snapshotIndex = rd.snapshot.metadata.index;
      }
      this.storage.append(rd.entries);
      if (rd.hardState !== undefined) this.storage.setHardState(rd.hardState);
      this.opts.send(rd.messages.map((m) => this.withFreshSnapshot(m)));
      if (rd.softState !== undefined) this.opts.onSoftState(rd.softState, this.raw.raft.term);
      for (const e of rd.committedEntries) this.apply(e);
      for (const rs of rd.readStates) this.opts.onReadState(rs);
      this.raw.advance();
      const applied = this.raw.raft.raftLog.applied;
      this.opts.onApplied(applied);
      await this.maybeSnapshot(applied);
    }
  }

  private async persist(rd: Ready): Promise<void> {
    if (rd.snapshot !== undefined) {
      await this.snaps.save(rd.snapshot);
      await this.wal.saveSnapshotMarker(rd.snapshot.metadata.index, rd.snapshot.metadata.term);
    }
    if (rd.entries.length > 0 || rd.hardState !== undefined) await this.wal.save(rd.entries, rd.hardState);
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

  private async maybeSnapshot(applied: number): Promise<void> {
    if (applied - this.snapshotIndex < this.opts.snapshotCount) return;
    const snap = this.storage.createSnapshot(applied, this.raw.raft.trk.confState(), this.opts.machine.snapshot());
    await this.snaps.save(snap);
    await this.wal.saveSnapshotMarker(applied, snap.metadata.term);
    this.snapshotIndex = applied;
    const compactTo = applied - (this.opts.catchUpEntries ?? 5000);
    if (compactTo > this.storage.firstIndex()) this.storage.compact(compactTo);
    await this.wal.releaseTo(applied);
    await this.snaps.purge(5);
    this.opts.logger.info("saved snapshot", { index: applied, term: snap.metadata.term, bytes: snap.data.byteLength });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.ticker !== undefined) clearInterval(this.ticker);
    this.notify();
    await this.loopDone;
    await this.wal.close();
  }
}
