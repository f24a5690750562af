// A simulated disk under one member. Writes land in the page cache (visible to
// the member at once) and become durable only at fsync. A crash keeps the
// durable state plus a random prefix of the unsynced writes, possibly torn in
// the middle of a batch of entries, as a real disk may.
import { MemoryStorage, type ConfState, type Entry, type HardState, type Snapshot } from "@skiff/control-plane/raft";
import type { Prng } from "./prng.ts";

type DiskWrite =
  | { kind: "snapshot"; snapshot: Snapshot }
  | { kind: "entries"; entries: Entry[] }
  | { kind: "hardState"; hardState: HardState };

function applyWrite(s: MemoryStorage, w: DiskWrite): void {
  if (w.kind === "snapshot") s.applySnapshot(w.snapshot);
  else if (w.kind === "entries") s.append(w.entries);
  else s.setHardState(w.hardState);
}

export class SimDisk {
  /** What the member reads: durable state plus unsynced writes. */
  storage = new MemoryStorage();
  private durable = new MemoryStorage();
  private unsynced: DiskWrite[] = [];
  fsyncs = 0;

  write(w: DiskWrite): void {
    applyWrite(this.storage, w);
    this.unsynced.push(w);
  }

  fsync(): void {
    for (const w of this.unsynced) applyWrite(this.durable, w);
    this.unsynced = [];
    this.fsyncs++;
  }

  /** A local snapshot of applied (hence durable) entries, written and synced at once. */
  snapshotAndCompact(index: number, confState: ConfState, data: Uint8Array, compactTo: number): void {
    for (const s of [this.storage, this.durable]) {
      s.createSnapshot(index, confState, data);
      if (compactTo > s.firstIndex()) s.compact(compactTo);
    }
  }

  /** Bootstraps the initial configuration, durably. */
  bootstrap(snapshot: Snapshot): void {
    this.storage.applySnapshot(snapshot);
    this.durable.applySnapshot(snapshot);
  }

  /**
   * Loses power: returns the storage a restarted member will find. Everything
   * synced survives; of the unsynced writes, a random prefix does.
   */
  crash(prng: Prng): MemoryStorage {
    const survivors = this.unsynced.slice(0, prng.int(this.unsynced.length + 1));
    const torn = this.unsynced[survivors.length];
    if (torn !== undefined && torn.kind === "entries" && torn.entries.length > 1) {
      survivors.push({ kind: "entries", entries: torn.entries.slice(0, prng.int(torn.entries.length)) });
    }
    for (const w of survivors) if (w.kind !== "entries" || w.entries.length > 0) applyWrite(this.durable, w);
    this.unsynced = [];
    this.storage = copyStorage(this.durable);
    this.durable = copyStorage(this.durable);
    return this.storage;
  }
}

function copyStorage(from: MemoryStorage): MemoryStorage {
  const to = new MemoryStorage();
  const snap = from.snapshot();
  if (snap.metadata.index > 0) to.applySnapshot(snap);
  const first = from.firstIndex();
  const last = from.lastIndex();
  if (last >= first) to.append(from.entries(first, last + 1, Number.MAX_SAFE_INTEGER));
  const { hardState } = from.initialState();
  // A snapshot of applied entries implies they are committed, even if the
  // commit index in the hard state was never synced.
  to.setHardState({ ...hardState, commit: Math.max(hardState.commit, to.firstIndex() - 1) });
  return to;
}
