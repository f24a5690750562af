// The store's watchers, as etcd's watchableStore keeps them: a synced group
// that gets each write's events as it commits, and an unsynced group that
// still owes history, delivered from the revision log by syncWatchers in
// bounded steps. A watcher's minRev is the next revision it has not seen;
// every delivery checks it, which is what rules out gaps and duplicates.
//
// Deliveries never nest: a write made from inside a sink is queued and its
// events go out once the current delivery is done, so every watcher still
// sees revisions in order.
import type { RevisionRecord } from "./key-history.ts";
import { type KeySpan, spanOf } from "./keys.ts";
import { firstIndexFrom, type RevisionLog } from "./revision-log.ts";
import { type Event, EventType } from "./types.ts";
import { WatcherIndex } from "./watcher-index.ts";
import {
  type Watcher,
  type WatchCompacted,
  WatchFilterType,
  type WatchRequest,
  type WatchResponse,
  type WatchSink,
} from "./watch-types.ts";

/** What the hub reads from the store. */
export interface WatchSource {
  readonly currentRevision: number;
  readonly compactRevision: number;
  readonly log: RevisionLog;
}

export type SinkErrorHandler = (err: unknown, watcher: Watcher) => void;

class StoreWatcher implements Watcher {
  readonly compacted = false as const;
  state: "synced" | "unsynced" | "canceled";

  constructor(
    private readonly hub: WatchHub,
    readonly id: number,
    readonly span: KeySpan,
    readonly prevKv: boolean,
    readonly dropPut: boolean,
    readonly dropDelete: boolean,
    readonly sink: WatchSink,
    /** The next revision this watcher has not seen. */
    public minRev: number,
    synced: boolean,
  ) {
    this.state = synced ? "synced" : "unsynced";
  }

  get synced(): boolean {
    return this.state === "synced";
  }

  get canceled(): boolean {
    return this.state === "canceled";
  }

  cancel(): void {
    this.hub.remove(this);
  }
}

/**
 * The events of one revision, made once and handed to every watcher that
 * wants them (one object per record with prev_kv, one without), so a sink
 * can encode an event once per revision rather than once per watcher.
 * Sinks must treat events as read-only.
 */
class SharedEvents {
  private readonly plain = new Map<RevisionRecord, Event>();
  private readonly withPrev = new Map<RevisionRecord, Event>();

  of(r: RevisionRecord, prevKv: boolean): Event {
    const cache = prevKv ? this.withPrev : this.plain;
    let event = cache.get(r);
    if (event !== undefined) return event;
    event = { type: r.tombstone ? EventType.DELETE : EventType.PUT, kv: r.kv };
    if (prevKv) {
      // etcd reads the key at modRevision - 1, which is gone once compacted.
      const prev = r.history.visible(r.kv.modRevision - 1);
      if (prev !== undefined) event.prevKv = prev.kv;
    }
    cache.set(r, event);
    return event;
  }
}

export class WatchHub {
  private readonly synced = new WatcherIndex<StoreWatcher>();
  private readonly unsynced = new WatcherIndex<StoreWatcher>();
  private readonly pending: { rev: number; records: readonly RevisionRecord[] }[] = [];
  private delivering = false;
  private nextId = 1;

  constructor(
    private readonly source: WatchSource,
    private readonly onSinkError: SinkErrorHandler = () => {},
  ) {}

  get size(): number {
    return this.synced.size + this.unsynced.size;
  }

  get unsyncedCount(): number {
    return this.unsynced.size;
  }

  watch(req: WatchRequest, sink: WatchSink): Watcher | WatchCompacted {
    const start = req.startRevision ?? 0;
    const { currentRevision: cur, compactRevision } = this.source;
    if (start > 0 && start < compactRevision) return { compacted: true, compactRevision };
    const filters = req.filters ?? [];
    // etcd: no start (or a future one) is synced at once; an old one replays history first.
    const synced = start <= 0 || start > cur;
    const minRev = synced ? Math.max(cur + 1, start) : start;
    const w = new StoreWatcher(
      this,
      this.nextId++,
      spanOf(req.key, req.rangeEnd),
      req.prevKv ?? false,
      filters.includes(WatchFilterType.NOPUT),
      filters.includes(WatchFilterType.NODELETE),
      sink,
      minRev,
      synced,
    );
    (synced ? this.synced : this.unsynced).add(w);
    return w;
  }

  remove(w: StoreWatcher): void {
    if (w.state === "canceled") return;
    (w.state === "synced" ? this.synced : this.unsynced).delete(w);
    w.state = "canceled";
  }

  /** A write transaction committed `records` as revision `rev`. */
  notify(rev: number, records: readonly RevisionRecord[]): void {
    // Outside a delivery, a watcher that becomes synced later starts past rev.
    // Inside one, syncStep may be about to hand these revisions to its watchers.
    if (this.synced.size === 0 && !this.delivering) return;
    this.pending.push({ rev, records });
    this.exclusive(() => {});
  }

  /**
   * Delivers owed history to unsynced watchers, up to `maxRevisions` revisions
   * of it per call, and moves the ones that caught up to the synced group.
   * Returns how many watchers are still unsynced.
   */
  sync(maxRevisions = 1000): number {
    if (this.unsynced.size === 0) return 0;
    this.exclusive(() => this.syncStep(maxRevisions));
    return this.unsynced.size;
  }

  /** After a compaction: watchers that still need removed history are canceled. */
  compacted(compactRevision: number): void {
    for (const w of [...this.unsynced.all()]) {
      if (w.minRev < compactRevision) this.cancelCompacted(w, compactRevision);
    }
  }

  /** After the store's state was replaced by a snapshot: everyone catches up from history. */
  restored(previousRevision: number): void {
    for (const w of [...this.synced.all()]) {
      this.synced.delete(w);
      w.state = "unsynced";
      // Synced watchers have seen everything up to the old revision.
      w.minRev = Math.max(w.minRev, previousRevision + 1);
      this.unsynced.add(w);
    }
    this.compacted(this.source.compactRevision);
  }

  private exclusive(work: () => void): void {
    if (this.delivering) {
      work();
      return;
    }
    this.delivering = true;
    try {
      work();
      for (let next = this.pending.shift(); next !== undefined; next = this.pending.shift()) this.deliverLive(next.rev, next.records);
    } finally {
      this.delivering = false;
    }
  }

  private deliverLive(rev: number, records: readonly RevisionRecord[]): void {
    const batches = new Map<StoreWatcher, RevisionRecord[]>();
    for (const r of records) {
      this.synced.forEachMatch(r.history.key, (w) => {
        if (w.minRev > rev) return;
        const batch = batches.get(w);
        if (batch === undefined) batches.set(w, [r]);
        else batch.push(r);
      });
    }
    const shared = new SharedEvents();
    for (const [w, batch] of batches) {
      if (w.state !== "synced" || w.minRev > rev) continue;
      w.minRev = rev + 1;
      this.send(w, rev, batch, shared);
    }
  }

  private syncStep(maxRevisions: number): void {
    const { currentRevision: cur, compactRevision } = this.source;
    // The array as it is now: a compaction from inside a sink replaces it rather than editing it.
    const log = this.source.log.all();
    const watchers = [...this.unsynced.all()];
    let minRev = Infinity;
    for (const w of watchers) {
      if (w.minRev < compactRevision) this.cancelCompacted(w, compactRevision);
      else minRev = Math.min(minRev, w.minRev);
    }
    let i = minRev === Infinity ? log.length : firstIndexFrom(log, minRev);
    let reached = cur;
    for (let done = 0; i < log.length && log[i]!.kv.modRevision <= cur; done++) {
      const rev = log[i]!.kv.modRevision;
      if (done === maxRevisions) {
        reached = rev - 1;
        break;
      }
      const batches = new Map<StoreWatcher, RevisionRecord[]>();
      for (let r = log[i]; r !== undefined && r.kv.modRevision === rev; r = log[++i]) {
        const record = r;
        this.unsynced.forEachMatch(record.history.key, (w) => {
          if (w.minRev > rev) return;
          const batch = batches.get(w);
          if (batch === undefined) batches.set(w, [record]);
          else batch.push(record);
        });
      }
      const shared = new SharedEvents();
      for (const [w, batch] of batches) {
        if (w.state !== "unsynced" || w.minRev > rev) continue;
        w.minRev = rev + 1;
        this.send(w, rev, batch, shared);
      }
    }
    for (const w of watchers) {
      if (w.state !== "unsynced") continue;
      w.minRev = Math.max(w.minRev, reached + 1);
      if (reached === cur) {
        this.unsynced.delete(w);
        w.state = "synced";
        this.synced.add(w);
      }
    }
  }

  private send(w: StoreWatcher, rev: number, records: readonly RevisionRecord[], shared: SharedEvents): void {
    const events: Event[] = [];
    for (const r of records) {
      if (r.tombstone ? w.dropDelete : w.dropPut) continue;
      events.push(shared.of(r, w.prevKv));
    }
    if (events.length === 0) return;
    this.call(w, { events, revision: rev });
  }

  private cancelCompacted(w: StoreWatcher, compactRevision: number): void {
    this.remove(w);
    this.call(w, { events: [], revision: this.source.currentRevision, canceled: true, compactRevision });
  }

  private call(w: StoreWatcher, resp: WatchResponse): void {
    try {
      w.sink(resp);
    } catch (err) {
      this.remove(w);
      this.onSinkError(err, w);
    }
  }
}
