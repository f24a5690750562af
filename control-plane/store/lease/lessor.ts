// Leases as etcd's lessor (server/lease/lessor.go) runs them. What is
// replicated (grant, revoke, attached keys) lives in the store's lease table
// and changes only through grant/revoke, applied from Raft on every member.
// Expiry is local and only the leader ("primary") keeps it: it renews leases,
// reports expired ones so the host proposes their revoke, and on promotion
// extends every lease by an election timeout so none expires for want of a
// leader. Followers never expire leases. Time comes from the injected clock.
import { StoreError } from "../mvcc/errors.ts";
import { keyBytes } from "../mvcc/keys.ts";
import type { LeaseRecord } from "../mvcc/lease-table.ts";
import type { MvccStore } from "../mvcc/store.ts";
import type { RequestOp } from "../mvcc/types.ts";
import { LeaseIdGenerator } from "./lease-id.ts";

/** etcd's MaxLeaseTTL, in seconds. */
export const MAX_LEASE_TTL = 9_000_000_000;
/** etcd's expiredLeaseRetryInterval: how long a reported expiry waits before it is reported again. */
export const EXPIRED_RETRY_MS = 3000;
/** What etcd reports as the remaining TTL of a lease that never expires (MaxInt64 ns in seconds). */
export const FOREVER_TTL = 9_223_372_036;

export interface LessorOptions {
  store: MvccStore;
  /** Milliseconds; any monotonic clock. */
  now: () => number;
  /** Grants below this many seconds get it instead, as with etcd's minLeaseTTL. */
  minTtl: number;
  /** Seeds lease ids so members do not collide (see LeaseIdGenerator). */
  memberId?: number;
  expiredRetryMs?: number;
}

export interface LeaseTimeToLive {
  id: number;
  /** Remaining seconds, truncated like etcd's int64(Remaining().Seconds()). */
  ttl: number;
  grantedTtl: number;
  /** Attached keys in byte order; empty unless asked for. */
  keys: Uint8Array[];
}

export class Lessor {
  private readonly store: MvccStore;
  private readonly now: () => number;
  private readonly minTtl: number;
  private readonly retryMs: number;
  private readonly ids: LeaseIdGenerator;
  private primary = false;
  /** Leader only: when each lease expires, in clock milliseconds. */
  private readonly expiry = new Map<number, number>();
  /** Leader only: expired leases already reported, and when to report them again. */
  private readonly reportedUntil = new Map<number, number>();

  constructor(options: LessorOptions) {
    this.store = options.store;
    this.now = options.now;
    this.minTtl = options.minTtl;
    this.retryMs = options.expiredRetryMs ?? EXPIRED_RETRY_MS;
    this.ids = new LeaseIdGenerator(options.memberId ?? 0, options.now());
  }

  get isPrimary(): boolean {
    return this.primary;
  }

  /** An unused id for a grant that asked for id 0. Call on the leader before proposing. */
  nextLeaseId(): number {
    return this.ids.next((id) => this.store.leaseTable.has(id));
  }

  lookup(id: number): LeaseRecord | undefined {
    return this.store.leaseTable.get(id);
  }

  /** Applied from Raft on every member. Returns the TTL actually granted. */
  grant(id: number, ttl: number): { id: number; ttl: number } {
    if (id === 0) throw new StoreError("LeaseNotFound");
    if (ttl > MAX_LEASE_TTL) throw new StoreError("LeaseTtlTooLarge");
    const table = this.store.leaseTable;
    if (table.has(id)) throw new StoreError("LeaseExists");
    const granted = Math.max(ttl, this.minTtl);
    table.add(id, granted);
    if (this.primary) this.expiry.set(id, this.now() + granted * 1000);
    return { id, ttl: granted };
  }

  /**
   * Applied from Raft on every member: deletes every attached key in one
   * write transaction (one revision, in key order as etcd sorts them), then
   * forgets the lease. Returns the store revision after.
   */
  revoke(id: number): { revision: number } {
    const lease = this.store.leaseTable.get(id);
    if (lease === undefined) throw new StoreError("LeaseNotFound");
    const success: RequestOp[] = [...lease.keys].sort().map((k) => ({ requestDeleteRange: { key: keyBytes(k) } }));
    const { txn } = this.store.applyWrite({ txn: { success } });
    this.store.leaseTable.remove(id);
    this.expiry.delete(id);
    this.reportedUntil.delete(id);
    return { revision: txn.header.revision };
  }

  /** Leader only (keep-alive): restarts the lease's clock; returns its TTL. */
  renew(id: number): number {
    if (!this.primary) throw new StoreError("NotPrimary");
    const lease = this.store.leaseTable.get(id);
    if (lease === undefined) throw new StoreError("LeaseNotFound");
    const now = this.now();
    // etcd makes the keep-alive wait for the pending revoke and then answers "not found".
    if (this.expiryOf(lease) <= now) throw new StoreError("LeaseNotFound");
    this.expiry.set(id, now + lease.ttl * 1000);
    this.reportedUntil.delete(id);
    return lease.ttl;
  }

  timeToLive(id: number, withKeys = false): LeaseTimeToLive {
    const lease = this.store.leaseTable.get(id);
    if (lease === undefined) throw new StoreError("LeaseNotFound");
    const at = this.expiryOf(lease);
    const ttl = at === Infinity ? FOREVER_TTL : Math.trunc((at - this.now()) / 1000);
    const keys = withKeys ? [...lease.keys].sort().map(keyBytes) : [];
    return { id, ttl, grantedTtl: lease.ttl, keys };
  }

  /** Every lease id, soonest expiry first (then by id). */
  leases(): number[] {
    return this.store.leaseTable
      .all()
      .map((l) => ({ id: l.id, at: this.expiryOf(l) }))
      .sort((a, b) => a.at - b.at || a.id - b.id)
      .map((l) => l.id);
  }

  /**
   * Leader only: leases past their expiry, soonest first, at most `limit`.
   * The host proposes a revoke for each. A lease reported here is not
   * reported again for a retry interval, while its revoke goes through Raft.
   */
  expired(limit = Infinity): number[] {
    if (!this.primary) return [];
    const now = this.now();
    const table = this.store.leaseTable;
    for (const id of this.expiry.keys()) if (!table.has(id)) this.expiry.delete(id);
    const due: { id: number; at: number }[] = [];
    for (const lease of table.all()) {
      const at = this.expiryOf(lease);
      if (at > now || (this.reportedUntil.get(lease.id) ?? -Infinity) > now) continue;
      due.push({ id: lease.id, at });
    }
    due.sort((a, b) => a.at - b.at || a.id - b.id);
    const ids = due.slice(0, limit).map((d) => d.id);
    for (const id of ids) this.reportedUntil.set(id, now + this.retryMs);
    return ids;
  }

  /** This member became leader: every lease gets its full TTL plus `extendMs`. */
  promote(extendMs: number): void {
    this.primary = true;
    this.expiry.clear();
    this.reportedUntil.clear();
    const now = this.now();
    for (const lease of this.store.leaseTable.all()) this.expiry.set(lease.id, now + extendMs + lease.ttl * 1000);
  }

  /** This member stopped being leader: leases no longer expire here. */
  demote(): void {
    this.primary = false;
    this.expiry.clear();
    this.reportedUntil.clear();
  }

  /** Infinity on a follower. A lease the leader has not timed yet (from a snapshot) starts now. */
  private expiryOf(lease: LeaseRecord): number {
    if (!this.primary) return Infinity;
    let at = this.expiry.get(lease.id);
    if (at === undefined) {
      at = this.now() + lease.ttl * 1000;
      this.expiry.set(lease.id, at);
    }
    return at;
  }
}
