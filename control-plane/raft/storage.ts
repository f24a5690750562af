// The narrow storage interface the core reads its durable log through, and an
// in-memory implementation used by tests, the simulator and as the store's cache.
import { RaftError } from "./errors.ts";
import {
  emptyHardState,
  emptySnapshot,
  entrySize,
  type ConfState,
  type Entry,
  EntryType,
  type HardState,
  type Snapshot,
} from "./types.ts";

export interface InitialState {
  hardState: HardState;
  confState: ConfState;
}

/**
 * What the core needs from durable storage. Methods throw RaftError
 * "Compacted" or "Unavailable" when an index is out of the stored range.
 */
export interface Storage {
  initialState(): InitialState;
  /** Entries in [lo, hi), at most maxSize bytes but always at least one. */
  entries(lo: number, hi: number, maxSize: number): Entry[];
  term(index: number): number;
  lastIndex(): number;
  firstIndex(): number;
  snapshot(): Snapshot;
}

/** Keeps at least one entry and stops before the total size passes maxSize. */
export function limitSize(ents: Entry[], maxSize: number): Entry[] {
  if (ents.length === 0) return ents;
  let size = entrySize(ents[0]!);
  let limit = 1;
  for (; limit < ents.length; limit++) {
    size += entrySize(ents[limit]!);
    if (size > maxSize) break;
  }
  return limit === ents.length ? ents : ents.slice(0, limit);
}

/**
 * Storage in memory. `ents[0]` is a dummy entry holding the index and term of
 * the last compacted entry (the snapshot point), as in etcd's MemoryStorage.
 */
export class MemoryStorage implements Storage {
  private hardState: HardState = { ...emptyHardState };
  private snap: Snapshot = emptySnapshot();
  private ents: Entry[] = [{ term: 0, index: 0, type: EntryType.Normal, data: new Uint8Array(0) }];

  initialState(): InitialState {
    return { hardState: { ...this.hardState }, confState: cloneConfState(this.snap.metadata.confState) };
  }

  setHardState(hs: HardState): void {
    this.hardState = { ...hs };
  }

  entries(lo: number, hi: number, maxSize: number): Entry[] {
    const offset = this.ents[0]!.index;
    if (lo <= offset) throw new RaftError("Compacted", `entries(${lo}) is compacted (first index ${offset + 1})`);
    if (hi > this.lastIndex() + 1) {
      throw new Error(`entries hi(${hi}) is out of bound lastindex(${this.lastIndex()})`);
    }
    if (this.ents.length === 1) throw new RaftError("Unavailable", "no entries stored");
    return limitSize(this.ents.slice(lo - offset, hi - offset), maxSize);
  }

  term(index: number): number {
    const offset = this.ents[0]!.index;
    if (index < offset) throw new RaftError("Compacted", `term(${index}) is compacted`);
    const e = this.ents[index - offset];
    if (e === undefined) throw new RaftError("Unavailable", `term(${index}) is not stored yet`);
    return e.term;
  }

  lastIndex(): number {
    return this.ents[0]!.index + this.ents.length - 1;
  }

  firstIndex(): number {
    return this.ents[0]!.index + 1;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** Replaces the whole log with a snapshot received from the leader. */
  applySnapshot(snap: Snapshot): void {
    // An index-0 snapshot on empty storage only sets the initial configuration (bootstrap).
    const bootstrap = snap.metadata.index === 0 && this.snap.metadata.index === 0 && this.ents.length === 1;
    if (!bootstrap && this.snap.metadata.index >= snap.metadata.index) {
      throw new RaftError("SnapOutOfDate", `snapshot ${snap.metadata.index} is older than ${this.snap.metadata.index}`);
    }
    this.snap = snap;
    this.ents = [{ term: snap.metadata.term, index: snap.metadata.index, type: EntryType.Normal, data: new Uint8Array(0) }];
  }

  /** Records a snapshot of the host's state machine at an applied index. */
  createSnapshot(index: number, confState: ConfState | undefined, data: Uint8Array): Snapshot {
    if (index <= this.snap.metadata.index) {
      throw new RaftError("SnapOutOfDate", `snapshot at ${index} is not newer than ${this.snap.metadata.index}`);
    }
    if (index > this.lastIndex()) throw new Error(`snapshot ${index} is out of bound lastindex(${this.lastIndex()})`);
    const offset = this.ents[0]!.index;
    this.snap = {
      data,
      metadata: {
        index,
        term: this.ents[index - offset]!.term,
        confState: cloneConfState(confState ?? this.snap.metadata.confState),
      },
    };
    return this.snap;
  }

  /** Discards entries up to and including compactIndex (keeps its term as the dummy). */
  compact(compactIndex: number): void {
    const offset = this.ents[0]!.index;
    if (compactIndex <= offset) throw new RaftError("Compacted", `compact(${compactIndex}) is already compacted`);
    if (compactIndex > this.lastIndex()) {
      throw new Error(`compact ${compactIndex} is out of bound lastindex(${this.lastIndex()})`);
    }
    const i = compactIndex - offset;
    const head = this.ents[i]!;
    this.ents = [{ term: head.term, index: head.index, type: EntryType.Normal, data: new Uint8Array(0) }, ...this.ents.slice(i + 1)];
  }

  /** Appends entries, replacing any suffix they conflict with. */
  append(entries: Entry[]): void {
    if (entries.length === 0) return;
    const first = this.firstIndex();
    const last = entries[0]!.index + entries.length - 1;
    if (last < first) return;
    if (first > entries[0]!.index) entries = entries.slice(first - entries[0]!.index);
    const offset = entries[0]!.index - this.ents[0]!.index;
    if (this.ents.length < offset) throw new Error(`missing log entry [last: ${this.lastIndex()}, append at: ${entries[0]!.index}]`);
    // In place: copying the whole log on every append costs O(log length) per Ready.
    // Nothing outside holds this array (entries() hands out copies).
    this.ents.length = offset;
    for (const e of entries) this.ents.push(e);
  }
}

export function cloneConfState(cs: ConfState): ConfState {
  return { voters: [...cs.voters], learners: [...cs.learners] };
}
