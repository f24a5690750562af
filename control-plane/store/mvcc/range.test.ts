// Range with every option; key ranges, revisions and limits follow etcd's
// kv_test.go (TestKVRange, TestKVRangeRev, TestKVRangeBadRev, TestKVRangeLimit),
// sorting and filters etcd's v3 range tests (TestV3RangeRequest).
import assert from "node:assert/strict";
import { test } from "node:test";
import { MvccStore } from "./store.ts";
import { b, del, put, rows, storeErr, text } from "./test-support.ts";
import { type RangeRequest, SortOrder, SortTarget } from "./types.ts";

/** foo@2 (lease 0), foo1@3, foo2@4, as etcd's put3TestKVs. */
function put3(): MvccStore {
  const s = new MvccStore();
  put(s, "foo", "bar");
  put(s, "foo1", "bar1");
  put(s, "foo2", "bar2");
  return s;
}

function keysOf(s: MvccStore, req: RangeRequest): string[] {
  return s.range(req).kvs.map((kv) => text(kv.key));
}

test("key and rangeEnd select a key, a half-open range, or everything from the key", () => {
  const s = put3();
  const cases: [string, string | undefined, string[]][] = [
    ["doo", "foo", []],
    ["foo", "foo", []], // key == end
    ["doo", undefined, []], // single missing key
    ["foo", "foo3", ["foo", "foo1", "foo2"]],
    ["foo", "foo1", ["foo"]],
    ["foo", undefined, ["foo"]],
    ["foo1", "\0", ["foo1", "foo2"]],
    ["\0", "\0", ["foo", "foo1", "foo2"]],
    ["foo2", "foo", []], // end before key
  ];
  for (const [key, end, want] of cases) {
    const r = s.range({ key: b(key), rangeEnd: end === undefined ? undefined : b(end) });
    assert.deepEqual(r.kvs.map((kv) => text(kv.key)), want, `${key}..${end}`);
    assert.equal(r.header.revision, 4);
    assert.equal(r.count, want.length);
  }
  // A prefix range as clients build it: "fo" .. "fp".
  assert.deepEqual(keysOf(s, { key: b("fo"), rangeEnd: b("fp") }), ["foo", "foo1", "foo2"]);
});

test("revision: 0 or less is current, older ones see the past (TestKVRangeRev)", () => {
  const s = put3();
  const cases: [number, string[]][] = [
    [-1, ["foo", "foo1", "foo2"]],
    [0, ["foo", "foo1", "foo2"]],
    [2, ["foo"]],
    [3, ["foo", "foo1"]],
    [4, ["foo", "foo1", "foo2"]],
  ];
  for (const [revision, want] of cases) {
    const r = s.range({ key: b("foo"), rangeEnd: b("foo3"), revision });
    assert.deepEqual(r.kvs.map((kv) => text(kv.key)), want, `rev ${revision}`);
    assert.equal(r.header.revision, 4, "the header carries the current revision");
  }
});

test("revision errors: compacted and future (TestKVRangeBadRev)", () => {
  const s = put3();
  s.compact(4);
  const cases: [number, "Compacted" | "FutureRevision" | null][] = [
    [-1, null],
    [0, null],
    [1, "Compacted"],
    [2, "Compacted"],
    [4, null],
    [5, "FutureRevision"],
    [100, "FutureRevision"],
  ];
  for (const [revision, code] of cases) {
    const req = { key: b("foo"), rangeEnd: b("foo3"), revision };
    if (code === null) assert.equal(s.range(req).kvs.length, 3);
    else assert.throws(() => s.range(req), storeErr(code), `rev ${revision}`);
  }
  assert.throws(() => s.range({ key: b("foo"), revision: 3 }), { message: "mvcc: required revision has been compacted" });
  assert.throws(() => s.range({ key: b("foo"), revision: 5 }), { message: "mvcc: required revision is a future revision" });
});

test("limit: count is the total, more says whether keys were left out (TestKVRangeLimit)", () => {
  const s = put3();
  const cases: [number, number, boolean][] = [
    [-1, 3, false],
    [0, 3, false],
    [1, 1, true],
    [2, 2, true],
    [3, 3, false],
    [100, 3, false],
  ];
  for (const [limit, n, more] of cases) {
    const r = s.range({ key: b("foo"), rangeEnd: b("foo3"), limit });
    assert.equal(r.kvs.length, n, `limit ${limit}`);
    assert.equal(r.more, more, `limit ${limit}`);
    assert.equal(r.count, 3, `limit ${limit}`);
  }
});

test("countOnly returns the count and no kvs; keysOnly drops values", () => {
  const s = put3();
  assert.deepEqual(s.range({ key: b("foo"), rangeEnd: b("foo3"), countOnly: true, limit: 1 }), {
    header: { revision: 4 },
    kvs: [],
    more: false,
    count: 3,
  });
  assert.deepEqual(s.range({ key: b("foo"), rangeEnd: b("foo3"), countOnly: true, revision: 3 }).count, 2);
  const r = s.range({ key: b("foo"), rangeEnd: b("foo3"), keysOnly: true });
  assert.deepEqual(rows(r.kvs), [
    ["foo", "", 2, 2, 1, 0],
    ["foo1", "", 3, 3, 1, 0],
    ["foo2", "", 4, 4, 1, 0],
  ]);
  // The stored values are untouched.
  assert.equal(text(s.range({ key: b("foo") }).kvs[0]!.value), "bar");
});

/** Keys whose targets sort differently: a (v3, value z), b (v1, value y), c (v2, value x), created in order c, a, b. */
function sortFixture(): MvccStore {
  const s = new MvccStore();
  put(s, "c", "x"); // 2
  put(s, "a", "z"); // 3
  put(s, "b", "y"); // 4
  put(s, "a", "z"); // 5
  put(s, "c", "x"); // 6
  put(s, "a", "z"); // 7
  return s;
}

test("sort: every target in both orders, with etcd's defaults", () => {
  const s = sortFixture();
  const all = { key: b("a"), rangeEnd: b("z") };
  const cases: [SortOrder | undefined, SortTarget | undefined, string[]][] = [
    [undefined, undefined, ["a", "b", "c"]],
    [SortOrder.NONE, SortTarget.KEY, ["a", "b", "c"]],
    [SortOrder.ASCEND, SortTarget.KEY, ["a", "b", "c"]],
    [SortOrder.DESCEND, SortTarget.KEY, ["c", "b", "a"]],
    [SortOrder.ASCEND, SortTarget.VERSION, ["b", "c", "a"]],
    [SortOrder.DESCEND, SortTarget.VERSION, ["a", "c", "b"]],
    [SortOrder.NONE, SortTarget.VERSION, ["b", "c", "a"]], // NONE with a non-key target means ASCEND
    [SortOrder.ASCEND, SortTarget.CREATE, ["c", "a", "b"]],
    [SortOrder.DESCEND, SortTarget.CREATE, ["b", "a", "c"]],
    [SortOrder.NONE, SortTarget.CREATE, ["c", "a", "b"]],
    [SortOrder.ASCEND, SortTarget.MOD, ["b", "c", "a"]],
    [SortOrder.DESCEND, SortTarget.MOD, ["a", "c", "b"]],
    [SortOrder.ASCEND, SortTarget.VALUE, ["c", "b", "a"]],
    [SortOrder.DESCEND, SortTarget.VALUE, ["a", "b", "c"]],
    [SortOrder.NONE, SortTarget.VALUE, ["c", "b", "a"]],
  ];
  for (const [sortOrder, sortTarget, want] of cases) {
    assert.deepEqual(keysOf(s, { ...all, sortOrder, sortTarget }), want, `order ${sortOrder} target ${sortTarget}`);
  }
});

test("sort with limit sorts everything first, then cuts", () => {
  const s = sortFixture();
  const r = s.range({ key: b("a"), rangeEnd: b("z"), sortOrder: SortOrder.DESCEND, sortTarget: SortTarget.KEY, limit: 1 });
  assert.deepEqual(r.kvs.map((kv) => text(kv.key)), ["c"]);
  assert.equal(r.more, true);
  assert.equal(r.count, 3);
  const byMod = s.range({ key: b("a"), rangeEnd: b("z"), sortTarget: SortTarget.MOD, limit: 2 });
  assert.deepEqual(byMod.kvs.map((kv) => text(kv.key)), ["b", "c"]);
  assert.equal(byMod.more, true);
});

test("min/max mod and create revision filters; count ignores them", () => {
  const s = sortFixture(); // a: create 3 mod 7; b: create 4 mod 4; c: create 2 mod 6
  const all = { key: b("a"), rangeEnd: b("z") };
  assert.deepEqual(keysOf(s, { ...all, minModRevision: 5 }), ["a", "c"]);
  assert.deepEqual(keysOf(s, { ...all, maxModRevision: 6 }), ["b", "c"]);
  assert.deepEqual(keysOf(s, { ...all, minCreateRevision: 3 }), ["a", "b"]);
  assert.deepEqual(keysOf(s, { ...all, maxCreateRevision: 3 }), ["a", "c"]);
  assert.deepEqual(keysOf(s, { ...all, minModRevision: 5, maxCreateRevision: 2 }), ["c"]);
  const r = s.range({ ...all, minModRevision: 7, limit: 1 });
  assert.deepEqual(r.kvs.map((kv) => text(kv.key)), ["a"]);
  assert.equal(r.count, 3);
  assert.equal(r.more, false, "only one key passes the filter, so nothing was cut");
  const twoPass = s.range({ ...all, minModRevision: 5, limit: 1 });
  assert.equal(twoPass.more, true);
});

test("a deleted key is absent now and present at revisions before the delete", () => {
  const s = put3();
  del(s, "foo1"); // 5
  assert.deepEqual(keysOf(s, { key: b("foo"), rangeEnd: b("foo3") }), ["foo", "foo2"]);
  assert.deepEqual(keysOf(s, { key: b("foo"), rangeEnd: b("foo3"), revision: 4 }), ["foo", "foo1", "foo2"]);
  assert.equal(s.range({ key: b("foo"), rangeEnd: b("foo3") }).count, 2);
});
