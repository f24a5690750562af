// The lessor with a fake clock. Cases follow etcd's server/lease/lessor_test.go
// (TestLessorGrant, TestLessorRevoke, TestLessorRenew, TestLessorExpire,
// TestLessorMaxTTL, TestLessorRecover) where they fit.
import assert from "node:assert/strict";
import { test } from "node:test";
import { MvccStore } from "../mvcc/store.ts";
import { b, del, describeEvent, get, put, storeErr, text } from "../mvcc/test-support.ts";
import { LeaseIdGenerator } from "./lease-id.ts";
import { EXPIRED_RETRY_MS, FOREVER_TTL, Lessor, MAX_LEASE_TTL } from "./lessor.ts";

function setup(minTtl = 5) {
  const clock = { ms: 1_000_000 };
  const store = new MvccStore();
  const lessor = new Lessor({ store, now: () => clock.ms, minTtl });
  return { clock, store, lessor };
}

test("grant: minimum TTL, duplicates, too large, id 0 (TestLessorGrant, TestLessorMaxTTL)", () => {
  const { store, lessor } = setup(5);
  assert.deepEqual(lessor.grant(1, 1), { id: 1, ttl: 5 });
  assert.deepEqual(lessor.grant(2, 60), { id: 2, ttl: 60 });
  assert.throws(() => lessor.grant(1, 10), storeErr("LeaseExists"));
  assert.throws(() => lessor.grant(3, MAX_LEASE_TTL + 1), storeErr("LeaseTtlTooLarge"));
  assert.throws(() => lessor.grant(0, 10), storeErr("LeaseNotFound"));
  assert.deepEqual(lessor.leases().sort(), [1, 2]);
  assert.equal(lessor.lookup(2)!.ttl, 60);
  assert.equal(store.currentRevision, 1, "grants are not key writes");
});

test("revoke deletes every attached key in one revision, then the lease (TestLessorRevoke)", () => {
  const { store, lessor } = setup();
  lessor.grant(7, 30);
  put(store, "/k/c", "3", 7); // 2
  put(store, "/k/a", "1", 7); // 3
  put(store, "/k/b", "2", 7); // 4
  put(store, "/other", "x"); // 5
  const seen: string[] = [];
  store.watch({ key: b("/"), rangeEnd: b("0") }, (resp) => seen.push(`${resp.revision}: ${resp.events.map(describeEvent).join("; ")}`));
  assert.deepEqual(lessor.revoke(7), { revision: 6 });
  assert.equal(store.currentRevision, 6);
  assert.deepEqual(seen, ["6: DELETE /k/a @6; DELETE /k/b @6; DELETE /k/c @6"]);
  assert.equal(get(store, "/other")?.[1], "x");
  assert.equal(lessor.lookup(7), undefined);
  assert.throws(() => lessor.revoke(7), storeErr("LeaseNotFound"));
  assert.throws(() => put(store, "/k/a", "again", 7), storeErr("LeaseNotFound"));
});

test("revoking a lease without keys writes nothing", () => {
  const { store, lessor } = setup();
  lessor.grant(1, 10);
  put(store, "k", "v", 1);
  put(store, "k", "v"); // detaches
  assert.deepEqual(lessor.revoke(1), { revision: 3 });
  assert.equal(store.currentRevision, 3);
  assert.deepEqual(get(store, "k"), ["k", "v", 2, 3, 2, 0]);
});

test("a key deleted or moved to another lease is not deleted by a revoke", () => {
  const { store, lessor } = setup();
  lessor.grant(1, 10);
  lessor.grant(2, 10);
  put(store, "a", "1", 1);
  put(store, "b", "1", 1);
  put(store, "c", "1", 1);
  put(store, "b", "2", 2);
  del(store, "c");
  lessor.revoke(1);
  assert.equal(get(store, "a"), undefined);
  assert.deepEqual(get(store, "b"), ["b", "2", 3, 5, 2, 2]);
  assert.deepEqual(lessor.timeToLive(2, true).keys.map(text), ["b"]);
});

test("expiry with a fake clock: only the leader expires, reports once per retry interval (TestLessorExpire)", () => {
  const { clock, lessor } = setup();
  lessor.grant(1, 10);
  assert.deepEqual(lessor.expired(), [], "a follower never expires leases");
  clock.ms += 60_000;
  assert.deepEqual(lessor.expired(), []);
  lessor.promote(0);
  lessor.grant(2, 20);
  clock.ms += 9_999;
  assert.deepEqual(lessor.expired(), []);
  clock.ms += 1;
  assert.deepEqual(lessor.expired(), [1]);
  assert.deepEqual(lessor.expired(), [], "its revoke is on its way");
  clock.ms += EXPIRED_RETRY_MS;
  assert.deepEqual(lessor.expired(), [1], "the revoke never came: report it again");
  clock.ms += 20_000;
  assert.deepEqual(lessor.expired(), [1, 2], "soonest expiry first");
  assert.deepEqual(lessor.expired(1), []);
  lessor.revoke(1);
  clock.ms += EXPIRED_RETRY_MS;
  assert.deepEqual(lessor.expired(), [2]);
});

test("renew restarts the clock on the leader only; an expired lease cannot be renewed (TestLessorRenew)", () => {
  const { clock, lessor } = setup();
  lessor.grant(1, 10);
  assert.throws(() => lessor.renew(1), storeErr("NotPrimary"));
  lessor.promote(0);
  clock.ms += 8_000;
  assert.equal(lessor.renew(1), 10);
  clock.ms += 8_000;
  assert.deepEqual(lessor.expired(), [], "renewed 8 s ago, TTL 10 s");
  assert.equal(lessor.timeToLive(1).ttl, 2);
  clock.ms += 2_000;
  assert.throws(() => lessor.renew(1), storeErr("LeaseNotFound"));
  assert.throws(() => lessor.renew(99), storeErr("LeaseNotFound"));
});

test("promote gives every lease its TTL plus the extension; demote stops expiry", () => {
  const { clock, lessor } = setup();
  lessor.grant(1, 10);
  lessor.grant(2, 30);
  clock.ms += 100_000; // long as a follower: nothing counted down
  lessor.promote(5_000);
  assert.equal(lessor.isPrimary, true);
  assert.deepEqual(
    [1, 2].map((id) => lessor.timeToLive(id).ttl),
    [15, 35],
  );
  clock.ms += 14_999;
  assert.deepEqual(lessor.expired(), []);
  clock.ms += 1;
  assert.deepEqual(lessor.expired(), [1]);
  lessor.demote();
  clock.ms += 100_000;
  assert.deepEqual(lessor.expired(), []);
  assert.equal(lessor.timeToLive(2).ttl, FOREVER_TTL);
});

test("timeToLive: remaining seconds truncated, granted TTL, keys in byte order", () => {
  const { clock, store, lessor } = setup();
  lessor.promote(0);
  lessor.grant(1, 10);
  put(store, "zeta", "1", 1);
  put(store, "alpha", "1", 1);
  clock.ms += 2_500;
  const ttl = lessor.timeToLive(1, true);
  assert.deepEqual({ ...ttl, keys: ttl.keys.map(text) }, { id: 1, ttl: 7, grantedTtl: 10, keys: ["alpha", "zeta"] });
  assert.deepEqual(lessor.timeToLive(1).keys, []);
  assert.throws(() => lessor.timeToLive(2), storeErr("LeaseNotFound"));
});

test("leases() lists soonest expiry first", () => {
  const { lessor } = setup();
  lessor.promote(0);
  lessor.grant(1, 50);
  lessor.grant(2, 10);
  lessor.grant(3, 30);
  assert.deepEqual(lessor.leases(), [2, 3, 1]);
});

test("nextLeaseId: unique, non-zero, exact as a number, distinct per member, skips taken ids", () => {
  const { store, lessor } = setup();
  const ids = new Set<number>();
  for (let i = 0; i < 1000; i++) {
    const id = lessor.nextLeaseId();
    assert.ok(id > 0 && Number.isSafeInteger(id));
    ids.add(id);
  }
  assert.equal(ids.size, 1000);
  const a = new LeaseIdGenerator(1, 5);
  const bGen = new LeaseIdGenerator(2, 5);
  assert.notEqual(a.next(() => false), bGen.next(() => false));
  const next = lessor.nextLeaseId();
  lessor.grant(next + 1, 10);
  assert.equal(lessor.nextLeaseId(), next + 2, "the taken id is skipped");
  assert.ok(new LeaseIdGenerator(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER).next(() => false) <= Number.MAX_SAFE_INTEGER);
  assert.equal(store.leaseTable.size, 1);
});

test("lease state rides in the store snapshot (TestLessorRecover)", () => {
  const { clock, store, lessor } = setup();
  lessor.grant(1, 10);
  lessor.grant(2, 20);
  put(store, "a", "1", 1);
  put(store, "b", "1", 2);
  put(store, "c", "1", 2);
  const restored = MvccStore.restore(store.snapshot());
  const other = new Lessor({ store: restored, now: () => clock.ms, minTtl: 5 });
  assert.deepEqual(other.leases().sort(), [1, 2]);
  assert.deepEqual(other.timeToLive(2, true).keys.map(text), ["b", "c"]);
  assert.equal(other.timeToLive(2).grantedTtl, 20);
  other.promote(1_000);
  clock.ms += 11_000;
  assert.deepEqual(other.expired(), [1]);
  other.revoke(1);
  assert.equal(get(restored, "a"), undefined);
  // A follower whose store installs a snapshot sees the new lease table.
  const follower = setup();
  follower.lessor.grant(9, 10);
  follower.store.installSnapshot(restored.snapshot());
  assert.deepEqual(follower.lessor.leases(), [2]);
  assert.throws(() => follower.lessor.timeToLive(9), storeErr("LeaseNotFound"));
});
