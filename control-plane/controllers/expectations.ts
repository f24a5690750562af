// Expectations (kube's ControllerExpectations): after a sync issues creates
// or deletes, the next syncs of that controller leave its pods alone until
// the cache has seen them, so a lagging watch never causes double creates.
// A record older than the TTL is ignored, so a lost event cannot wedge it.
import type { Clock } from "./clock.ts";

export const expectationsTtlMs = 5 * 60_000;

interface Record {
  adds: number;
  deletes: Set<string>;
  at: number;
}

export class Expectations {
  private readonly records = new Map<string, Record>();

  constructor(private readonly clock: Clock) {}

  satisfied(key: string): boolean {
    const r = this.records.get(key);
    if (r === undefined) return true;
    if (r.adds <= 0 && r.deletes.size === 0) return true;
    return this.clock.now() - r.at > expectationsTtlMs;
  }

  expectCreations(key: string, n: number): void {
    this.records.set(key, { adds: n, deletes: new Set(), at: this.clock.now() });
  }

  expectDeletions(key: string, podKeys: string[]): void {
    this.records.set(key, { adds: 0, deletes: new Set(podKeys), at: this.clock.now() });
  }

  creationObserved(key: string): void {
    const r = this.records.get(key);
    if (r !== undefined) r.adds--;
  }

  deletionObserved(key: string, podKey: string): void {
    this.records.get(key)?.deletes.delete(podKey);
  }

  forget(key: string): void {
    this.records.delete(key);
  }
}
