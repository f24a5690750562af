// The watch cache: one store watch per resource, shared by every client
// watch of it, with a window of recent events so a client resuming from a
// recent resourceVersion is served from memory. A watch from before the
// window goes to the store directly (and gets 410 there if compacted). When
// the store watch breaks (a member died, a leader changed), the cache resumes
// it from the last revision it saw; clients notice nothing.
import type { ResourceType } from "../registry/types.ts";
import { type Storage, StorageError, type StorageWatch, type WatchEvent, type WatchHandlers } from "../storage/storage.ts";
import { listPrefix, resourcePrefix } from "./keys.ts";

interface Subscriber {
  prefix: string;
  after: number;
  handlers: WatchHandlers;
}

function revisionOf(e: WatchEvent): number {
  return e.type === "put" ? e.kv.modRevision : e.revision;
}

function keyOf(e: WatchEvent): string | undefined {
  return e.type === "put" ? e.kv.key : e.type === "delete" ? e.key : undefined;
}

class ResourceWatchCache {
  private readonly window: WatchEvent[] = [];
  /** Client watches after any revision >= oldest can be served from here. */
  private oldest = 0;
  private latest = 0;
  private readonly subscribers = new Set<Subscriber>();
  private storeWatch: StorageWatch | undefined;
  private closed = false;
  readonly ready: Promise<void>;

  constructor(
    private readonly storage: Storage,
    private readonly prefix: string,
    private readonly capacity: number,
    private readonly onStoreWatch: (delta: number) => void,
  ) {
    this.ready = this.start();
  }

  private async start(): Promise<void> {
    const revision = await this.storage.currentRevision();
    this.oldest = revision;
    this.latest = revision;
    this.open();
  }

  private open(): void {
    if (this.closed) return;
    this.onStoreWatch(1);
    let ended = false;
    const end = (): void => {
      if (!ended) this.onStoreWatch(-1);
      ended = true;
    };
    this.storeWatch = this.storage.watch(this.prefix, this.latest, {
      onEvents: (events) => this.deliver(events),
      onError: (err) => {
        end();
        if (this.closed) return;
        if (err.code === "compacted") {
          // Events were lost for good: every client must start over (410).
          for (const s of this.subscribers) s.handlers.onError(err);
          this.subscribers.clear();
          this.window.length = 0;
          this.oldest = err.compactRevision;
          this.latest = Math.max(this.latest, err.compactRevision);
        }
        setTimeout(() => this.open(), 200).unref();
      },
    });
    const inner = this.storeWatch;
    this.storeWatch = {
      close: () => {
        end();
        inner.close();
      },
    };
  }

  private deliver(events: WatchEvent[]): void {
    // The store watch resumes after `latest`, so everything it sends is new.
    const fresh = events;
    for (const e of fresh) {
      if (e.type !== "progress") this.window.push(e);
      this.latest = Math.max(this.latest, revisionOf(e));
    }
    while (this.window.length > this.capacity) {
      const dropped = this.window.shift()!;
      this.oldest = revisionOf(dropped);
    }
    for (const s of this.subscribers) this.send(s, fresh);
  }

  private send(s: Subscriber, events: WatchEvent[]): void {
    const mine = events.filter((e) => {
      if (e.type === "progress") return e.revision > s.after;
      return revisionOf(e) > s.after && keyOf(e)!.startsWith(s.prefix);
    });
    if (mine.length === 0) return;
    const last = mine[mine.length - 1]!;
    s.after = Math.max(s.after, revisionOf(last));
    s.handlers.onEvents(mine);
  }

  /** A client watch after `after`, or undefined when that is before the window. */
  subscribe(prefix: string, after: number, handlers: WatchHandlers): StorageWatch | undefined {
    if (after < this.oldest) return undefined;
    const s: Subscriber = { prefix, after, handlers };
    this.send(s, this.window);
    this.subscribers.add(s);
    return { close: () => this.subscribers.delete(s) };
  }

  close(): void {
    this.closed = true;
    this.storeWatch?.close();
    this.subscribers.clear();
  }
}

export class WatchCaches {
  private readonly caches = new Map<string, ResourceWatchCache>();
  /** Store watches open now (one per watched resource, not per client). */
  storeWatches = 0;

  constructor(
    private readonly storage: Storage,
    private readonly capacity = 2000,
  ) {}

  private cacheFor(type: ResourceType): ResourceWatchCache {
    const prefix = resourcePrefix(type);
    let cache = this.caches.get(prefix);
    if (cache === undefined) {
      cache = new ResourceWatchCache(this.storage, prefix, this.capacity, (d) => (this.storeWatches += d));
      this.caches.set(prefix, cache);
      // A cache that could not start is dropped, so the next watch tries again.
      cache.ready.catch(() => this.caches.delete(prefix));
    }
    return cache;
  }

  /** Starts the resource's cache; a list read after this is inside its window. */
  async ready(type: ResourceType): Promise<void> {
    try {
      await this.cacheFor(type).ready;
    } catch (err) {
      throw err instanceof StorageError ? err : new StorageError("internal", String(err));
    }
  }

  async watch(type: ResourceType, namespace: string | undefined, after: number, handlers: WatchHandlers): Promise<StorageWatch> {
    await this.ready(type);
    const cached = this.cacheFor(type).subscribe(listPrefix(type, namespace), after, handlers);
    return cached ?? this.storage.watch(listPrefix(type, namespace), after, handlers);
  }

  close(): void {
    for (const c of this.caches.values()) c.close();
    this.caches.clear();
  }
}
