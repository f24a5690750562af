// The replicated half of leases: which exist, their granted TTL and the keys
// attached to them. It lives in the store because puts attach keys, deletes
// detach them and snapshots carry it; expiry is a matter of time and lives in
// the Lessor (../lease/), which is the only caller of add/remove.

export interface LeaseRecord {
  readonly id: number;
  /** Granted TTL in seconds (after the lessor's minimum was applied). */
  readonly ttl: number;
  /** Attached keys, as latin1 strings. */
  readonly keys: Set<string>;
}

export class LeaseTable {
  private readonly leases = new Map<number, LeaseRecord>();

  get size(): number {
    return this.leases.size;
  }

  has(id: number): boolean {
    return this.leases.has(id);
  }

  get(id: number): LeaseRecord | undefined {
    return this.leases.get(id);
  }

  /** Leases in id order, so iteration is the same on every member. */
  all(): LeaseRecord[] {
    return [...this.leases.values()].sort((a, b) => a.id - b.id);
  }

  add(id: number, ttl: number): LeaseRecord {
    const record: LeaseRecord = { id, ttl, keys: new Set() };
    this.leases.set(id, record);
    return record;
  }

  remove(id: number): void {
    this.leases.delete(id);
  }

  /** A missing lease is ignored, as etcd's restore does with keys of revoked leases. */
  attach(id: number, key: string): void {
    this.leases.get(id)?.keys.add(key);
  }

  detach(id: number, key: string): void {
    this.leases.get(id)?.keys.delete(key);
  }

  clear(): void {
    this.leases.clear();
  }
}
