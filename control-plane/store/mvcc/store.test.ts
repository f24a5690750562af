// Puts, deletes, revisions and versions; cases ported from etcd's
// server/storage/mvcc/kv_test.go and kvstore_test.go where they fit.
import assert from "node:assert/strict";
import { test } from "node:test";
import { MvccStore } from "./store.ts";
import { b, del, get, put, row, rows, storeErr } from "./test-support.ts";

function put3(s: MvccStore): void {
  put(s, "foo", "bar");
  put(s, "foo1", "bar1");
  put(s, "foo2", "bar2");
}

test("a new store is at revision 1, never compacted, and empty", () => {
  const s = new MvccStore();
  assert.equal(s.currentRevision, 1);
  assert.equal(s.compactRevision, -1);
  const r = s.range({ key: b("\0"), rangeEnd: b("\0") });
  assert.deepEqual(r, { header: { revision: 1 }, kvs: [], more: false, count: 0 });
});

test("put: createRevision stays, modRevision and version advance (TestKVPutMultipleTimes)", () => {
  const s = new MvccStore();
  for (let i = 0; i < 10; i++) {
    const base = i + 1;
    assert.equal(put(s, "foo", "bar"), base + 1);
    assert.deepEqual(get(s, "foo"), ["foo", "bar", 2, base + 1, base, 0]);
  }
});

test("put-delete-put: a new generation resets createRevision and version", () => {
  const s = new MvccStore();
  put(s, "k", "a"); // 2
  put(s, "k", "b"); // 3
  assert.deepEqual(get(s, "k"), ["k", "b", 2, 3, 2, 0]);
  assert.deepEqual(del(s, "k"), { deleted: 1, revision: 4 });
  assert.equal(get(s, "k"), undefined);
  put(s, "k", "c"); // 5
  assert.deepEqual(get(s, "k"), ["k", "c", 5, 5, 1, 0]);
  // The past stays readable.
  assert.deepEqual(get(s, "k", 2), ["k", "a", 2, 2, 1, 0]);
  assert.deepEqual(get(s, "k", 3), ["k", "b", 2, 3, 2, 0]);
  assert.equal(get(s, "k", 4), undefined);
  assert.deepEqual(get(s, "k", 5), ["k", "c", 5, 5, 1, 0]);
});

test("range and delete in sequence on one key (TestKVOperationInSequence)", () => {
  const s = new MvccStore();
  for (let i = 0; i < 10; i++) {
    const base = i * 2 + 1;
    assert.equal(put(s, "foo", "bar"), base + 1);
    const r = s.range({ key: b("foo"), revision: base + 1 });
    assert.deepEqual(rows(r.kvs), [["foo", "bar", base + 1, base + 1, 1, 0]]);
    assert.equal(r.header.revision, base + 1);
    assert.deepEqual(del(s, "foo"), { deleted: 1, revision: base + 2 });
    const after = s.range({ key: b("foo"), revision: base + 2 });
    assert.deepEqual(after.kvs, []);
    assert.equal(after.header.revision, base + 2);
  }
});

test("deleteRange counts and revisions (TestKVDeleteRange)", () => {
  const cases: [string, string | undefined, number, number][] = [
    ["foo", undefined, 5, 1],
    ["foo", "foo1", 5, 1],
    ["foo", "foo2", 5, 2],
    ["foo", "foo3", 5, 3],
    ["foo3", "foo8", 4, 0],
    ["foo3", undefined, 4, 0],
  ];
  for (const [key, end, wrev, wn] of cases) {
    const s = new MvccStore();
    put3(s);
    assert.deepEqual(del(s, key, end), { deleted: wn, revision: wrev }, `${key}..${end}`);
    assert.equal(s.currentRevision, wrev);
  }
});

test("deleting nothing does not bump the revision (TestKVDeleteMultipleTimes)", () => {
  const s = new MvccStore();
  put(s, "foo", "bar");
  assert.deepEqual(del(s, "foo"), { deleted: 1, revision: 3 });
  for (let i = 0; i < 10; i++) assert.deepEqual(del(s, "foo"), { deleted: 0, revision: 3 });
  assert.equal(s.currentRevision, 3);
});

test("a put always bumps the revision, even with the same value", () => {
  const s = new MvccStore();
  put(s, "foo", "bar");
  put(s, "foo", "bar");
  assert.equal(s.currentRevision, 3);
});

test("deleteRange: '\\0' deletes from the key to the end; prevKvs returns what was deleted", () => {
  const s = new MvccStore();
  put3(s);
  put(s, "zoo", "z");
  const resp = s.deleteRange({ key: b("foo1"), rangeEnd: b("\0"), prevKv: true });
  assert.equal(resp.deleted, 3);
  assert.deepEqual(rows(resp.prevKvs), [
    ["foo1", "bar1", 3, 3, 1, 0],
    ["foo2", "bar2", 4, 4, 1, 0],
    ["zoo", "z", 5, 5, 1, 0],
  ]);
  assert.deepEqual(rows(s.range({ key: b("\0"), rangeEnd: b("\0") }).kvs), [["foo", "bar", 2, 2, 1, 0]]);
  assert.deepEqual(s.deleteRange({ key: b("nope"), prevKv: true }), { header: { revision: 6 }, deleted: 0, prevKvs: [] });
});

test("put prevKv returns the previous version, none for a new key", () => {
  const s = new MvccStore();
  const first = s.put({ key: b("k"), value: b("v1"), prevKv: true });
  assert.deepEqual(first, { header: { revision: 2 } });
  const second = s.put({ key: b("k"), value: b("v2"), prevKv: true });
  assert.deepEqual(row(second.prevKv!), ["k", "v1", 2, 2, 1, 0]);
  assert.equal(second.header.revision, 3);
});

test("put ignoreValue and ignoreLease keep the old ones, and need the key to exist", () => {
  const s = new MvccStore();
  s.leaseTable.add(7, 60);
  s.leaseTable.add(8, 60);
  assert.throws(() => s.put({ key: b("k"), ignoreValue: true }), storeErr("KeyNotFound"));
  assert.throws(() => s.put({ key: b("k"), value: b("x"), ignoreLease: true }), storeErr("KeyNotFound"));
  assert.equal(s.currentRevision, 1);
  put(s, "k", "v", 7);
  s.put({ key: b("k"), ignoreValue: true, lease: 8 });
  assert.deepEqual(get(s, "k"), ["k", "v", 2, 3, 2, 8]);
  s.put({ key: b("k"), value: b("w"), ignoreLease: true });
  assert.deepEqual(get(s, "k"), ["k", "w", 2, 4, 3, 8]);
  assert.deepEqual([...s.leaseTable.get(8)!.keys], ["k"]);
  assert.deepEqual([...s.leaseTable.get(7)!.keys], []);
  // A deleted key does not count as existing.
  del(s, "k");
  assert.throws(() => s.put({ key: b("k"), ignoreValue: true }), storeErr("KeyNotFound"));
});

test("put with an unknown lease fails without a write; leases attach and detach", () => {
  const s = new MvccStore();
  assert.throws(() => put(s, "k", "v", 5), storeErr("LeaseNotFound"));
  assert.equal(s.currentRevision, 1);
  s.leaseTable.add(5, 10);
  s.leaseTable.add(6, 10);
  put(s, "a", "1", 5);
  put(s, "b", "1", 5);
  assert.deepEqual([...s.leaseTable.get(5)!.keys].sort(), ["a", "b"]);
  put(s, "a", "2", 6); // moves to another lease
  put(s, "b", "2"); // clears the lease
  assert.deepEqual([...s.leaseTable.get(5)!.keys], []);
  assert.deepEqual([...s.leaseTable.get(6)!.keys], ["a"]);
  del(s, "a");
  assert.deepEqual([...s.leaseTable.get(6)!.keys], []);
});

test("put with the same lease twice (TestKVPutWithSameLease)", () => {
  const s = new MvccStore();
  s.leaseTable.add(1, 10);
  assert.equal(put(s, "foo", "bar", 1), 2);
  assert.equal(put(s, "foo", "bar", 1), 3);
  assert.deepEqual(get(s, "foo"), ["foo", "bar", 2, 3, 2, 1]);
  assert.deepEqual([...s.leaseTable.get(1)!.keys], ["foo"]);
});

test("the store copies keys and values it is given", () => {
  const s = new MvccStore();
  const key = b("k");
  const value = b("value");
  s.put({ key, value });
  key[0] = 0x78;
  value[0] = 0x78;
  assert.deepEqual(get(s, "k"), ["k", "value", 2, 2, 1, 0]);
});

test("binary keys sort in byte order, including 0x00 and 0xff", () => {
  const s = new MvccStore();
  for (const k of ["\xff", "a", "\x00", "a\x00", "\x7f", "\x80"]) put(s, k, "v");
  const keys = s.range({ key: b("\0"), rangeEnd: b("\0") }).kvs.map((kv) => [...kv.key]);
  assert.deepEqual(keys, [[0x00], [0x61], [0x61, 0x00], [0x7f], [0x80], [0xff]]);
});

test("applyWrite dispatches put, deleteRange and txn and answers in kind", () => {
  const s = new MvccStore();
  assert.deepEqual(s.applyWrite({ put: { key: b("a"), value: b("1") } }), { put: { header: { revision: 2 } } });
  const d = s.applyWrite({ deleteRange: { key: b("a") } });
  assert.deepEqual(d, { deleteRange: { header: { revision: 3 }, deleted: 1, prevKvs: [] } });
  const t = s.applyWrite({ txn: {} });
  assert.deepEqual(t, { txn: { header: { revision: 3 }, succeeded: true, responses: [] } });
});

test("appliedIndex is recorded and never goes back", () => {
  const s = new MvccStore();
  assert.equal(s.appliedIndex, 0);
  s.appliedIndex = 5;
  s.appliedIndex = 5;
  assert.equal(s.appliedIndex, 5);
  assert.throws(() => (s.appliedIndex = 4), RangeError);
});

test("hashKV: same writes, same hash; differs when contents differ (TestKVHash)", () => {
  const hashes = [0, 1, 2].map(() => {
    const s = new MvccStore();
    put(s, "foo0", "bar0");
    put(s, "foo1", "bar0");
    return s.hashKV();
  });
  assert.equal(hashes[0]!.hash, hashes[1]!.hash);
  assert.equal(hashes[1]!.hash, hashes[2]!.hash);
  assert.equal(hashes[0]!.hashRevision, 3);
  const other = new MvccStore();
  put(other, "foo0", "bar0");
  put(other, "foo1", "bar1");
  assert.notEqual(other.hashKV().hash, hashes[0]!.hash);
  // Hashing up to revision 2 ignores the later write.
  assert.equal(other.hashKV(2).hash, (() => {
    const s = new MvccStore();
    put(s, "foo0", "bar0");
    return s.hashKV().hash;
  })());
  assert.throws(() => other.hashKV(9), storeErr("FutureRevision"));
  other.compact(3);
  assert.throws(() => other.hashKV(2), storeErr("Compacted"));
  assert.equal(other.hashKV().compactRevision, 3);
});
