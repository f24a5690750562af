// Snapshots: restore gives back the same state (every readable revision,
// leases, revisions, applied index) and the same behaviour afterwards; damaged
// bytes are refused. TestKVRestore's scenarios come from etcd's kv_test.go.
import assert from "node:assert/strict";
import { test } from "node:test";
import { MvccStore } from "./store.ts";
import { b, del, put, rows, storeErr } from "./test-support.ts";
import type { WriteRequest } from "./types.ts";

/** Everything observable: reads at every revision still readable, leases, counters. */
function observe(s: MvccStore): unknown {
  const history: unknown[] = [];
  for (let rev = Math.max(1, s.compactRevision); rev <= s.currentRevision; rev++) {
    history.push(rows(s.range({ key: b("\0"), rangeEnd: b("\0"), revision: rev }).kvs));
  }
  const leases = s.leaseTable.all().map((l) => [l.id, l.ttl, [...l.keys].sort()]);
  return { rev: s.currentRevision, compact: s.compactRevision, applied: s.appliedIndex, history, leases, hash: s.hashKV().hash, stats: s.stats() };
}

function busyStore(): MvccStore {
  const s = new MvccStore();
  s.leaseTable.add(100, 30);
  s.leaseTable.add(-7, 5); // clients may pick negative int64 ids
  put(s, "a", "1", 100);
  put(s, "b", "2");
  put(s, "a", "3", 100);
  del(s, "b");
  put(s, "b", "4", -7);
  s.txn({ success: [{ requestPut: { key: b("c"), value: b("5") } }, { requestDeleteRange: { key: b("a") } }, { requestPut: { key: b("\x00\xff"), value: new Uint8Array([0, 255, 1]) } }] });
  put(s, "big", "x".repeat(70_000));
  s.compact(4);
  put(s, "a", "6");
  s.appliedIndex = 42;
  return s;
}

test("restore gives back every readable revision, leases and counters", () => {
  const s = busyStore();
  const bytes = s.snapshot();
  const r = MvccStore.restore(bytes);
  assert.deepEqual(observe(r), observe(s));
  assert.deepEqual(r.snapshot(), bytes, "a restored store snapshots to the same bytes");
  assert.deepEqual([...r.leaseTable.get(100)!.keys], []);
  assert.deepEqual([...r.leaseTable.get(-7)!.keys], ["b"]);
});

test("after restore both stores answer the same writes identically", () => {
  const s = busyStore();
  const r = MvccStore.restore(s.snapshot());
  const writes: WriteRequest[] = [
    { put: { key: b("a"), value: b("7"), prevKv: true } },
    { put: { key: b("b"), ignoreValue: true, prevKv: true } },
    { deleteRange: { key: b("a"), rangeEnd: b("c"), prevKv: true } },
    { txn: { compare: [{ key: b("c"), version: 1 }], success: [{ requestPut: { key: b("d"), value: b("8"), lease: 100 } }, { requestRange: { key: b("\0"), rangeEnd: b("\0") } }] } },
    { deleteRange: { key: b("\0"), rangeEnd: b("\0") } },
  ];
  for (const w of writes) assert.deepEqual(r.applyWrite(w), s.applyWrite(w));
  s.compact(s.currentRevision - 1);
  r.compact(r.currentRevision - 1);
  assert.deepEqual(observe(r), observe(s));
  assert.deepEqual(r.snapshot(), s.snapshot());
});

test("an empty store round-trips", () => {
  const s = new MvccStore();
  const r = MvccStore.restore(s.snapshot());
  assert.deepEqual(observe(r), observe(s));
  assert.equal(put(r, "k", "v"), 2);
});

test("restore keeps history exactly as before (TestKVRestore)", () => {
  const scenarios: ((s: MvccStore) => void)[] = [
    (s) => {
      put(s, "foo", "bar0", 1);
      put(s, "foo", "bar1", 2);
      put(s, "foo", "bar2", 3);
      put(s, "foo2", "bar0", 1);
    },
    (s) => {
      put(s, "foo", "bar0", 1);
      del(s, "foo");
      put(s, "foo", "bar1", 2);
    },
    (s) => {
      put(s, "foo", "bar0", 1);
      put(s, "foo", "bar1", 2);
      s.compact(1);
    },
    (s) => {
      for (let i = 1; i <= 5; i++) put(s, `foo${i}`, `bar${i}`);
      assert.equal(del(s, "foo1").revision, 7);
      s.compact(7); // foo1 is left with nothing, not even its tombstone
    },
  ];
  for (const [i, scenario] of scenarios.entries()) {
    const s = new MvccStore();
    for (const id of [1, 2, 3]) s.leaseTable.add(id, 10);
    scenario(s);
    const ranges = (st: MvccStore) =>
      Array.from({ length: 10 }, (_, rev) => {
        try {
          return rows(st.range({ key: b("a"), rangeEnd: b("z"), revision: rev }).kvs);
        } catch (err) {
          return (err as Error).message;
        }
      });
    const r = MvccStore.restore(s.snapshot());
    assert.deepEqual(ranges(r), ranges(s), `scenario ${i}`);
    assert.equal(r.stats().keys, s.stats().keys, `scenario ${i} key count`);
  }
});

test("damaged, truncated or foreign bytes are refused", () => {
  const bytes = busyStore().snapshot();
  const flipped = bytes.slice();
  flipped[Math.floor(flipped.length / 2)]! ^= 0x40;
  assert.throws(() => MvccStore.restore(flipped), storeErr("InvalidSnapshot"));
  assert.throws(() => MvccStore.restore(bytes.subarray(0, bytes.length - 10)), storeErr("InvalidSnapshot"));
  assert.throws(() => MvccStore.restore(new Uint8Array(3)), storeErr("InvalidSnapshot"));
  assert.throws(() => MvccStore.restore(new TextEncoder().encode('{"not":"a snapshot"}')), storeErr("InvalidSnapshot"));
  // A failed install leaves the store as it was.
  const s = new MvccStore();
  put(s, "k", "v");
  assert.throws(() => s.installSnapshot(flipped), storeErr("InvalidSnapshot"));
  assert.equal(s.currentRevision, 2);
});

test("restore accepts a Node Buffer and does not share its memory", async () => {
  const { Buffer } = await import("node:buffer");
  const s = new MvccStore();
  put(s, "k", "value");
  const buf = Buffer.from(s.snapshot());
  const r = MvccStore.restore(buf);
  buf.fill(0);
  assert.deepEqual(rows(r.range({ key: b("k") }).kvs), [["k", "value", 2, 2, 1, 0]]);
});

test("a snapshot encoded a slice at a time is the state as of its start, whatever is written and compacted meanwhile", () => {
  const s = busyStore();
  for (let i = 0; i < 3000; i++) put(s, `k${i % 700}`, `v${i}`);
  const expected = s.snapshot();
  const encoder = s.snapshotEncoder();
  let slices = 0;
  // A deadline already past: one batch of records per step.
  while (!encoder.step(0)) {
    slices++;
    put(s, `k${slices}`, "later");
    del(s, "c");
    if (slices === 2) s.compact(s.currentRevision - 1);
  }
  assert.ok(slices >= 5, `encoded in ${slices + 1} slices`);
  assert.deepEqual(encoder.finish(), expected);
  const withHeadroom = s.snapshotEncoder();
  withHeadroom.step();
  const bytes = withHeadroom.finish(3);
  assert.deepEqual(bytes.subarray(3), s.snapshot());
  assert.throws(() => s.snapshotEncoder().finish(), /before every record/);
});
