// Workers that take keys from a queue and run sync(key): an error requeues
// the key with backoff, success forgets its failures, and a sync may ask to
// look again later (minReadySeconds, progress deadlines).
import type { Logger } from "../logger.ts";
import { isConflict } from "./api.ts";
import type { WorkQueue } from "./work-queue.ts";

export interface SyncResult {
  /** Sync again after this many milliseconds even if nothing changes. */
  requeueAfterMs?: number;
}

export interface Reconciler {
  readonly name: string;
  readonly queue: WorkQueue;
  sync(key: string): Promise<SyncResult | void>;
}

export class ControllerLoop {
  private readonly workers: Promise<void>[] = [];

  constructor(
    private readonly reconciler: Reconciler,
    private readonly log: Logger,
  ) {}

  /** Starts n workers; they end when the queue shuts down. */
  run(n: number): void {
    for (let i = 0; i < n; i++) this.workers.push(this.work());
  }

  private async work(): Promise<void> {
    const { queue } = this.reconciler;
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        const result = await this.reconciler.sync(key);
        queue.forget(key);
        if (result?.requeueAfterMs !== undefined) queue.addAfter(key, result.requeueAfterMs);
      } catch (err) {
        // A conflict is the normal lot of writing from a cache a step behind: the retry reads the newer object.
        (isConflict(err) ? this.log.debug : this.log.info)("sync failed, requeued", { controller: this.reconciler.name, key, requeues: queue.numRequeues(key), error: err instanceof Error ? err.message : String(err) });
        queue.addRateLimited(key);
      } finally {
        queue.done(key);
      }
    }
  }

  async stop(): Promise<void> {
    this.reconciler.queue.shutDown();
    await Promise.all(this.workers);
  }
}
