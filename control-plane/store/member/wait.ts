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
