// Group commit: writes submitted while a flush (write + fsync) is in flight
// wait and go out together in the next flush, so many small appends share
// one fsync. The first flush starts a microtask later, so a burst submitted
// in one turn of the event loop is a single batch too.

interface Waiter<T> {
  item: T;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class GroupCommit<T> {
  private queue: Waiter<T>[] = [];
  private running: Promise<void> | undefined;
  private failure: unknown;
  private failed = false;

  /** `flush` must write every item durably, or throw; a throw fails that batch and every later submit. */
  constructor(private readonly flush: (items: T[]) => Promise<void>) {}

  submit(item: T): Promise<void> {
    if (this.failed) return Promise.reject(this.failure);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.running ??= new Promise<void>((done) => queueMicrotask(done)).then(() => this.run());
    });
  }

  /** Resolves once everything submitted so far has been flushed or has failed. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async run(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        await this.flush(batch.map((w) => w.item));
        for (const w of batch) w.resolve();
      } catch (err) {
        // After a failed write or fsync the file's state is unknown (fsyncgate), so nothing
        // more is written; the member must restart and replay.
        this.failed = true;
        this.failure = err;
        for (const w of [...batch, ...this.queue]) w.reject(err);
        this.queue = [];
      }
    }
    this.running = undefined;
  }
}
