// Txn: compares, branches, nesting, reads of the txn's own writes, one
// revision per txn, and all-or-nothing failure. Range compares are ported from
// etcd's tests/integration TestV3TxnRangeCompare.
import assert from "node:assert/strict";
import { test } from "node:test";
import { MvccStore } from "./store.ts";
import { b, get, put, rows, storeErr, text } from "./test-support.ts";
import { type Compare, CompareResult, CompareTarget, type RequestOp, type TxnRequest } from "./types.ts";

const putOp = (key: string, value: string, lease = 0): RequestOp => ({ requestPut: { key: b(key), value: b(value), lease } });
const getOp = (key: string, rangeEnd?: string): RequestOp => ({ requestRange: { key: b(key), rangeEnd: rangeEnd === undefined ? undefined : b(rangeEnd) } });
const delOp = (key: string, prevKv = false): RequestOp => ({ requestDeleteRange: { key: b(key), prevKv } });
const cmp = (key: string, target: CompareTarget, result: CompareResult, operand: number | string): Compare => {
  const c: Compare = { key: b(key), target, result };
  if (target === CompareTarget.VALUE) c.value = b(String(operand));
  else if (target === CompareTarget.VERSION) c.version = Number(operand);
  else if (target === CompareTarget.CREATE) c.createRevision = Number(operand);
  else if (target === CompareTarget.MOD) c.modRevision = Number(operand);
  else c.lease = Number(operand);
  return c;
};

function succeeds(s: MvccStore, compare: Compare[]): boolean {
  return s.txn({ compare }).succeeded;
}

test("compare every target with every result on an existing key", () => {
  const s = new MvccStore();
  s.leaseTable.add(9, 60);
  put(s, "k", "m"); // 2
  put(s, "k", "m", 9); // 3: create 2, mod 3, version 2, lease 9, value "m"
  const { EQUAL, GREATER, LESS, NOT_EQUAL } = CompareResult;
  const cases: [CompareTarget, number | string, [boolean, boolean, boolean, boolean]][] = [
    // operand, then [EQUAL, GREATER, LESS, NOT_EQUAL] for: operand equal, below, above
    [CompareTarget.VERSION, 2, [true, false, false, false]],
    [CompareTarget.VERSION, 1, [false, true, false, true]],
    [CompareTarget.VERSION, 3, [false, false, true, true]],
    [CompareTarget.CREATE, 2, [true, false, false, false]],
    [CompareTarget.CREATE, 1, [false, true, false, true]],
    [CompareTarget.CREATE, 3, [false, false, true, true]],
    [CompareTarget.MOD, 3, [true, false, false, false]],
    [CompareTarget.MOD, 2, [false, true, false, true]],
    [CompareTarget.MOD, 4, [false, false, true, true]],
    [CompareTarget.VALUE, "m", [true, false, false, false]],
    [CompareTarget.VALUE, "a", [false, true, false, true]],
    [CompareTarget.VALUE, "z", [false, false, true, true]],
    [CompareTarget.LEASE, 9, [true, false, false, false]],
    [CompareTarget.LEASE, 0, [false, true, false, true]],
    [CompareTarget.LEASE, 10, [false, false, true, true]],
  ];
  for (const [target, operand, want] of cases) {
    const got = [EQUAL, GREATER, LESS, NOT_EQUAL].map((r) => succeeds(s, [cmp("k", target, r, operand)]));
    assert.deepEqual(got, want, `target ${CompareTarget[target]} operand ${operand}`);
  }
  // Proto3 defaults: no target means VERSION, no result means EQUAL, no operand means 0.
  assert.equal(succeeds(s, [{ key: b("k"), version: 2 }]), true);
  assert.equal(succeeds(s, [{ key: b("k"), target: CompareTarget.MOD, result: CompareResult.GREATER }]), true);
});

test("compare on a missing key sees zeros, and a value compare always fails", () => {
  const s = new MvccStore();
  assert.equal(succeeds(s, [cmp("nope", CompareTarget.VERSION, CompareResult.EQUAL, 0)]), true);
  assert.equal(succeeds(s, [cmp("nope", CompareTarget.CREATE, CompareResult.EQUAL, 0)]), true);
  assert.equal(succeeds(s, [cmp("nope", CompareTarget.MOD, CompareResult.LESS, 1)]), true);
  assert.equal(succeeds(s, [cmp("nope", CompareTarget.LEASE, CompareResult.EQUAL, 0)]), true);
  assert.equal(succeeds(s, [cmp("nope", CompareTarget.VALUE, CompareResult.EQUAL, "")]), false);
  assert.equal(succeeds(s, [cmp("nope", CompareTarget.VALUE, CompareResult.NOT_EQUAL, "x")]), false);
  // A deleted key is missing too.
  put(s, "gone", "v");
  s.deleteRange({ key: b("gone") });
  assert.equal(succeeds(s, [cmp("gone", CompareTarget.VERSION, CompareResult.EQUAL, 0)]), true);
});

test("compare over a range: every key must pass (TestV3TxnRangeCompare)", () => {
  const s = new MvccStore();
  for (const k of ["/a/2", "/a/3", "/a/4", "/f/5"]) s.put({ key: b(k) });
  const range = (key: string, rangeEnd: string, target: CompareTarget, result: CompareResult, operand: number | string): Compare => ({
    ...cmp(key, target, result, operand),
    rangeEnd: b(rangeEnd),
  });
  const cases: [Compare, boolean][] = [
    [range("/a/", "\0", CompareTarget.CREATE, CompareResult.LESS, 6), true], // >= /a/, all fit
    [range("/a/", "\0", CompareTarget.CREATE, CompareResult.LESS, 5), false], // /f/5 does not
    [range("/a/", "/a0", CompareTarget.CREATE, CompareResult.LESS, 5), true], // prefix /a/
    [range("/a/", "/a0", CompareTarget.CREATE, CompareResult.LESS, 4), false],
    [range("/b/", "/b0", CompareTarget.VALUE, CompareResult.EQUAL, "b"), false], // nothing there
    [range("/a/", "/a0", CompareTarget.LEASE, CompareResult.GREATER, 0), false],
    [range("/a/", "/a0", CompareTarget.LEASE, CompareResult.EQUAL, 0), true],
  ];
  cases.forEach(([c, want], i) => assert.equal(succeeds(s, [c]), want, `case ${i}`));
});

test("all compares must hold for success; failure runs the other branch", () => {
  const s = new MvccStore();
  put(s, "a", "1");
  const req = (va: string): TxnRequest => ({
    compare: [cmp("a", CompareTarget.VALUE, CompareResult.EQUAL, va), cmp("b", CompareTarget.VERSION, CompareResult.EQUAL, 0)],
    success: [putOp("b", "yes")],
    failure: [putOp("c", "no"), getOp("a")],
  });
  const failed = s.txn(req("2"));
  assert.equal(failed.succeeded, false);
  assert.equal(failed.responses.length, 2);
  assert.deepEqual(failed.responses[0], { responsePut: { header: { revision: 3 } } });
  assert.deepEqual(rows(failed.responses[1]!.responseRange!.kvs), [["a", "1", 2, 2, 1, 0]]);
  assert.equal(get(s, "b"), undefined);
  const ok = s.txn(req("1"));
  assert.equal(ok.succeeded, true);
  assert.deepEqual(get(s, "b"), ["b", "yes", 4, 4, 1, 0]);
});

test("a txn is one revision; every change shares it; reads see earlier writes", () => {
  const s = new MvccStore();
  put(s, "x", "old"); // 2
  const resp = s.txn({
    success: [
      getOp("x"),
      putOp("x", "new"),
      getOp("x"),
      putOp("y", "1"),
      getOp("\0", "\xff"),
      delOp("x", true),
      getOp("x"),
    ],
  });
  assert.equal(resp.header.revision, 3);
  assert.equal(s.currentRevision, 3);
  const [r0, p1, r2, p3, r4, d5, r6] = resp.responses;
  assert.deepEqual(rows(r0!.responseRange!.kvs), [["x", "old", 2, 2, 1, 0]]);
  assert.equal(r0!.responseRange!.header.revision, 2, "before any write the txn reads at the old revision");
  assert.equal(p1!.responsePut!.header.revision, 3);
  assert.deepEqual(rows(r2!.responseRange!.kvs), [["x", "new", 2, 3, 2, 0]]);
  assert.equal(r2!.responseRange!.header.revision, 3);
  assert.equal(p3!.responsePut!.header.revision, 3);
  assert.deepEqual(r4!.responseRange!.kvs.map((kv) => text(kv.key)), ["x", "y"]);
  assert.equal(d5!.responseDeleteRange!.deleted, 1);
  assert.deepEqual(rows(d5!.responseDeleteRange!.prevKvs), [["x", "new", 2, 3, 2, 0]]);
  assert.deepEqual(r6!.responseRange!.kvs, []);
  // After the txn: x is gone, y exists at revision 3; x's history still has "old" at 2.
  assert.equal(get(s, "x"), undefined);
  assert.deepEqual(get(s, "y"), ["y", "1", 3, 3, 1, 0]);
  assert.deepEqual(get(s, "x", 2), ["x", "old", 2, 2, 1, 0]);
});

test("no write, no revision: empty txn, read-only txn, failed compare without writes", () => {
  const s = new MvccStore();
  put(s, "a", "1");
  assert.deepEqual(s.txn({}), { header: { revision: 2 }, succeeded: true, responses: [] });
  assert.equal(s.txn({ success: [getOp("a")] }).header.revision, 2);
  const failed = s.txn({ compare: [cmp("a", CompareTarget.VALUE, CompareResult.EQUAL, "x")], success: [putOp("a", "2")] });
  assert.deepEqual(failed, { header: { revision: 2 }, succeeded: false, responses: [] });
  // Deleting nothing is not a write either.
  const del = s.txn({ success: [delOp("missing")] });
  assert.equal(del.header.revision, 2);
  assert.equal(del.responses[0]!.responseDeleteRange!.header.revision, 2);
  assert.equal(s.currentRevision, 2);
});

test("nested txns: compares see the state before the outer txn, one revision for all", () => {
  const s = new MvccStore();
  put(s, "k", "v"); // 2
  const resp = s.txn({
    success: [
      putOp("k", "w"),
      {
        requestTxn: {
          // Still evaluated against revision 2, where k is "v".
          compare: [cmp("k", CompareTarget.VALUE, CompareResult.EQUAL, "v")],
          success: [putOp("n", "1"), getOp("k")],
          failure: [putOp("n", "0")],
        },
      },
      {
        requestTxn: {
          compare: [cmp("k", CompareTarget.VERSION, CompareResult.EQUAL, 2)],
          success: [putOp("m", "1")],
          failure: [{ requestTxn: { success: [putOp("deep", "1")] } }],
        },
      },
    ],
  });
  assert.equal(resp.header.revision, 3);
  const inner = resp.responses[1]!.responseTxn!;
  assert.equal(inner.succeeded, true);
  assert.equal(inner.header.revision, 0, "etcd leaves nested headers empty");
  assert.deepEqual(rows(inner.responses[1]!.responseRange!.kvs), [["k", "w", 2, 3, 2, 0]], "but its reads see the outer writes");
  const second = resp.responses[2]!.responseTxn!;
  assert.equal(second.succeeded, false);
  assert.equal(second.responses[0]!.responseTxn!.succeeded, true);
  assert.deepEqual(get(s, "n"), ["n", "1", 3, 3, 1, 0]);
  assert.deepEqual(get(s, "deep"), ["deep", "1", 3, 3, 1, 0]);
  assert.equal(get(s, "m"), undefined);
  assert.equal(s.currentRevision, 3);
});

test("checks of the chosen branch fail the whole txn before anything is written", () => {
  const s = new MvccStore();
  put(s, "a", "1"); // 2
  // Unknown lease in the chosen branch.
  assert.throws(() => s.txn({ success: [putOp("b", "1"), putOp("c", "1", 42)] }), storeErr("LeaseNotFound"));
  // The same op in the branch not taken is fine.
  assert.equal(s.txn({ success: [putOp("b", "1")], failure: [putOp("c", "1", 42)] }).succeeded, true);
  // ignoreValue on a missing key; range at a future revision; compacted range.
  assert.throws(() => s.txn({ success: [putOp("x", "1"), { requestPut: { key: b("zz"), ignoreValue: true } }] }), storeErr("KeyNotFound"));
  assert.throws(() => s.txn({ success: [putOp("x", "1"), { requestRange: { key: b("a"), revision: 99 } }] }), storeErr("FutureRevision"));
  s.compact(3);
  assert.throws(() => s.txn({ success: [putOp("x", "1"), { requestRange: { key: b("a"), revision: 2 } }] }), storeErr("Compacted"));
  // Checks reach into nested txns on the chosen path.
  assert.throws(() => s.txn({ success: [putOp("x", "1"), { requestTxn: { success: [putOp("y", "1", 42)] } }] }), storeErr("LeaseNotFound"));
  assert.equal(s.currentRevision, 3);
  assert.equal(get(s, "x"), undefined);
});

test("a txn failing half way (unvalidated request) is rolled back entirely", () => {
  const s = new MvccStore();
  s.leaseTable.add(5, 60);
  put(s, "k", "v", 5); // 2
  put(s, "other", "o"); // 3
  const before = s.snapshot();
  // validateTxn would refuse this (put and delete of one key); applied anyway it fails at the put.
  assert.throws(
    () =>
      s.txn({
        success: [putOp("new", "1", 5), putOp("other", "changed"), delOp("k"), { requestPut: { key: b("k"), ignoreValue: true } }],
      }),
    storeErr("KeyNotFound"),
  );
  assert.equal(s.currentRevision, 3);
  assert.equal(get(s, "new"), undefined);
  assert.deepEqual(get(s, "other"), ["other", "o", 3, 3, 1, 0]);
  assert.deepEqual(get(s, "k"), ["k", "v", 2, 2, 1, 5]);
  assert.deepEqual([...s.leaseTable.get(5)!.keys], ["k"]);
  assert.deepEqual(s.snapshot(), before);
  // And the store still works.
  assert.equal(put(s, "new", "1"), 4);
});

test("response ops mirror the request ops, in order", () => {
  const s = new MvccStore();
  const resp = s.txn({ success: [putOp("a", "1"), getOp("a"), delOp("a"), { requestTxn: {} }, {}] });
  assert.deepEqual(
    resp.responses.map((r) => Object.keys(r)),
    [["responsePut"], ["responseRange"], ["responseDeleteRange"], ["responseTxn"], []],
  );
});
