// A work queue of keys in client-go's shape: a key queued many times is
// processed once; a key being processed and queued again is processed again
// after it is done, never by two workers at once; failed keys come back
// after an exponential backoff per key (5 ms doubling to 1000 s, as
// client-go's default controller rate limiter).
import type { Clock } from "./clock.ts";
import { noQueueMetrics, type QueueMetrics } from "./workqueue-metrics.ts";

export interface BackoffLimits {
  baseMs: number;
  maxMs: number;
}

export const defaultBackoff: BackoffLimits = { baseMs: 5, maxMs: 1_000_000 };

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly delayed = new Map<string, { at: number; cancel: () => void }>();
  private waiters: ((key: string | undefined) => void)[] = [];
  private shuttingDown = false;
  private metrics: QueueMetrics = noQueueMetrics;
  /** When each waiting key was added, and when each key in a worker's hands was taken (clock ms), for the metrics. */
  private readonly addedAt = new Map<string, number>();
  private readonly takenAt = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly backoff: BackoffLimits = defaultBackoff,
  ) {}

  /** Reports adds, waits, work and retries to `metrics` (client-go's workqueue metrics) from now on. */
  instrument(metrics: QueueMetrics): void {
    this.metrics = metrics;
  }

  /** Keys waiting for a worker, including those queued again while being processed (client-go's depth). */
  get depth(): number {
    return this.dirty.size;
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    this.metrics.added();
    this.addedAt.set(key, this.clock.now());
    if (!this.processing.has(key)) this.enqueue(key);
  }

  /** A dirty key not being processed goes to a waiting worker, or into the queue. */
  private enqueue(key: string): void {
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      this.dirty.delete(key);
      this.take(key);
      waiter(key);
    } else this.queue.push(key);
  }

  private take(key: string): void {
    this.processing.add(key);
    const now = this.clock.now();
    const added = this.addedAt.get(key);
    this.addedAt.delete(key);
    if (added !== undefined) this.metrics.taken((now - added) / 1000);
    this.takenAt.set(key, now);
  }

  /** Adds the key after ms; an earlier pending delay for the key wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const at = this.clock.now() + ms;
    const pending = this.delayed.get(key);
    if (pending !== undefined) {
      if (pending.at <= at) return;
      pending.cancel();
    }
    const cancel = this.clock.after(ms, () => {
      this.delayed.delete(key);
      this.add(key);
    });
    this.delayed.set(key, { at, cancel });
  }

  /** Requeues a key after its backoff, which doubles with each failure until forget(). */
  addRateLimited(key: string): void {
    this.metrics.retried();
    this.addAfter(key, this.when(key));
  }

  /** The delay the next addRateLimited(key) would use, counting it as a failure. */
  private when(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    return Math.min(this.backoff.maxMs, this.backoff.baseMs * 2 ** n);
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Next key to process, or undefined once shut down; waits while the queue is empty. */
  get(): Promise<string | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) {
      this.dirty.delete(key);
      this.take(key);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks a key processed; if it was added meanwhile it is queued again. */
  done(key: string): void {
    this.processing.delete(key);
    const taken = this.takenAt.get(key);
    this.takenAt.delete(key);
    if (taken !== undefined) this.metrics.worked((this.clock.now() - taken) / 1000);
    if (this.dirty.has(key) && !this.shuttingDown) this.enqueue(key);
  }

  get length(): number {
    return this.queue.length;
  }

  shutDown(): void {
    this.shuttingDown = true;
    for (const d of this.delayed.values()) d.cancel();
    this.delayed.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
  }
}
