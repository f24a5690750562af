// Compaction: history before the point goes, the newest version of each key at
// the point stays, tombstones go with what they ended. Ported from etcd's
// kv_test.go (TestKVCompactReserveLastValue, TestKVCompactBad, TestKVRestore)
// plus a randomized check against a model that keeps every revision.
import assert from "node:assert/strict";
import { test } from "node:test";
import { MvccStore } from "./store.ts";
import { b, del, get, put, rows, storeErr, type KvRow } from "./test-support.ts";

test("compaction keeps the last value at the compacted revision (TestKVCompactReserveLastValue)", () => {
  const s = new MvccStore();
  for (const id of [1, 2, 3]) s.leaseTable.add(id, 60);
  put(s, "foo", "bar0", 1); // 2
  put(s, "foo", "bar1", 2); // 3
  del(s, "foo"); // 4
  put(s, "foo", "bar2", 3); // 5
  const cases: [number, KvRow | undefined][] = [
    [1, ["foo", "bar0", 2, 2, 1, 1]],
    [2, ["foo", "bar1", 2, 3, 2, 2]],
    [3, undefined],
    [4, ["foo", "bar2", 5, 5, 1, 3]],
  ];
  for (const [rev, want] of cases) {
    s.compact(rev);
    assert.deepEqual(get(s, "foo", rev + 1), want, `after compact(${rev})`);
  }
});

test("compact errors (TestKVCompactBad)", () => {
  const s = new MvccStore();
  put(s, "foo", "bar0");
  put(s, "foo", "bar1");
  put(s, "foo", "bar2");
  const cases: [number, "Compacted" | "FutureRevision" | null][] = [
    [0, null],
    [1, null],
    [1, "Compacted"],
    [4, null],
    [5, "FutureRevision"],
    [100, "FutureRevision"],
  ];
  for (const [rev, code] of cases) {
    if (code === null) assert.deepEqual(s.compact(rev), { header: { revision: 4 } });
    else assert.throws(() => s.compact(rev), storeErr(code), `compact(${rev})`);
  }
  assert.equal(s.compactRevision, 4);
  assert.equal(s.currentRevision, 4, "compaction is not a write");
});

test("reads at the compaction point see the newest versions; below it they fail", () => {
  const s = new MvccStore();
  put(s, "a", "1"); // 2
  put(s, "a", "2"); // 3
  put(s, "b", "1"); // 4
  put(s, "a", "3"); // 5
  s.compact(4);
  assert.deepEqual(rows(s.range({ key: b("a"), rangeEnd: b("c"), revision: 4 }).kvs), [
    ["a", "2", 2, 3, 2, 0],
    ["b", "1", 4, 4, 1, 0],
  ]);
  assert.deepEqual(get(s, "a"), ["a", "3", 2, 5, 3, 0]);
  assert.throws(() => get(s, "a", 3), storeErr("Compacted"));
  assert.equal(s.stats().records, 3, "a@3, b@4 and a@5 remain");
});

test("a key deleted at or before the point disappears with its tombstone", () => {
  const s = new MvccStore();
  for (const k of ["foo1", "foo2", "foo3"]) put(s, k, "v"); // 2, 3, 4
  assert.equal(del(s, "foo1").revision, 5);
  put(s, "foo2", "w"); // 6
  del(s, "foo3"); // 7
  s.compact(5);
  assert.equal(s.stats().keys, 2, "foo1 is gone from the index; foo3's tombstone is after the point");
  assert.equal(get(s, "foo1", 5), undefined);
  assert.deepEqual(get(s, "foo3", 6), ["foo3", "v", 4, 4, 1, 0]);
  s.compact(7);
  assert.equal(s.stats().keys, 1);
  assert.equal(s.stats().records, 1);
  // A key recreated after compaction starts a fresh generation.
  put(s, "foo1", "again"); // 8
  assert.deepEqual(get(s, "foo1"), ["foo1", "again", 8, 8, 1, 0]);
});

test("compaction leaves lease attachments alone", () => {
  const s = new MvccStore();
  s.leaseTable.add(3, 60);
  put(s, "a", "1", 3);
  put(s, "a", "2", 3);
  s.compact(s.currentRevision);
  assert.deepEqual([...s.leaseTable.get(3)!.keys], ["a"]);
  assert.deepEqual(get(s, "a"), ["a", "2", 2, 3, 2, 3]);
});

/** A tiny deterministic PRNG (mulberry32), so failures replay. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test("randomized: after any compactions, every readable revision matches a full-history model", () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const random = rng(seed);
    const s = new MvccStore();
    const keys = ["a", "b", "c", "d", "e", "f"];
    /** model[rev] = the visible rows at rev, in key order. */
    const model: KvRow[][] = [[], []];
    const current = new Map<string, KvRow>();
    for (let step = 0; step < 300; step++) {
      const roll = random();
      const key = keys[Math.floor(random() * keys.length)]!;
      if (roll < 0.55) {
        const value = `v${step}`;
        const rev = put(s, key, value);
        const prev = current.get(key);
        current.set(key, [key, value, prev?.[2] ?? rev, rev, (prev?.[4] ?? 0) + 1, 0]);
      } else if (roll < 0.8) {
        const end = keys[Math.min(keys.length - 1, keys.indexOf(key) + Math.floor(random() * 3))]!;
        const { deleted } = del(s, key, end === key ? undefined : end);
        let n = 0;
        for (const k of [...current.keys()]) {
          if (k === key || (end !== key && k >= key && k < end)) {
            current.delete(k);
            n++;
          }
        }
        assert.equal(deleted, n);
        if (n === 0) continue;
      } else if (roll < 0.9) {
        const target = s.compactRevision + 1 + Math.floor(random() * (s.currentRevision - s.compactRevision));
        if (target > s.compactRevision && target <= s.currentRevision) s.compact(target);
        continue;
      } else {
        continue;
      }
      model[s.currentRevision] = [...current.values()].sort((x, y) => (x[0] < y[0] ? -1 : 1));
    }
    for (let rev = Math.max(1, s.compactRevision); rev <= s.currentRevision; rev++) {
      const got = rows(s.range({ key: b("\0"), rangeEnd: b("\0"), revision: rev }).kvs);
      assert.deepEqual(got, model[rev], `seed ${seed} rev ${rev} (compacted at ${s.compactRevision})`);
    }
  }
});
