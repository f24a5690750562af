// Proposals in flight on this member, by request id: the apply loop resolves
// them with the result of applying the entry, whichever member proposed it
// to the leader. Like etcd's wait.Wait.
export class Waiters<T> {
  private pending = new Map<number, { resolve(v: T): void; reject(e: Error): void; timer: NodeJS.Timeout }>();

  register(id: number, timeoutMs: number, onTimeout: () => Error): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(onTimeout());
      }, timeoutMs);
      timer.unref();
      this.pending.set(id, { resolve, reject, timer });
    });
  }

  has(id: number): boolean {
    return this.pending.has(id);
  }

  trigger(id: number, value: T): void {
    const w = this.pending.get(id);
    if (w === undefined) return;
    this.pending.delete(id);
    clearTimeout(w.timer);
    w.resolve(value);
  }

  fail(id: number, err: Error): void {
    const w = this.pending.get(id);
    if (w === undefined) return;
    this.pending.delete(id);
    clearTimeout(w.timer);
    w.reject(err);
  }

  failAll(err: Error): void {
    for (const id of [...this.pending.keys()]) this.fail(id, err);
  }

  size(): number {
    return this.pending.size;
  }
}

/**
 * Request ids as etcd's idutil makes them: the member id's low 16 bits, then
 * a counter that starts from the clock (128 per millisecond), so a restarted
 * member does not reuse the id of an entry its previous life proposed and
 * that is still on its way through Raft (its result would go to the wrong
 * client). 16 + 37 bits keep ids exact JavaScript numbers.
 */
export class RequestIds {
  private static readonly suffixSpace = 2 ** 37;
  private readonly prefix: number;
  private suffix: number;

  constructor(memberId: number, nowMs: number = Date.now()) {
    this.prefix = (memberId % 2 ** 16) * RequestIds.suffixSpace;
    this.suffix = (Math.floor(nowMs) * 128) % RequestIds.suffixSpace;
  }

  next(): number {
    this.suffix = (this.suffix + 1) % RequestIds.suffixSpace;
    return this.prefix + this.suffix;
  }
}
