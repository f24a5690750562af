import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfChangeType, EntryType, type Entry } from "../../raft/index.ts";
import { encodeMemberInfo } from "./cluster-state.ts";
import { type ApplyResult, encodeClientWrite, encodeRequest, type InternalRequest, StoreMachine } from "./store-machine.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function machine(results: Map<number, ApplyResult>): StoreMachine {
  let now = 0;
  return new StoreMachine({
    clusterId: 7,
    memberId: 1,
    now: () => now++,
    minLeaseTtl: 2,
    onResult: (id, r) => results.set(id, r),
    onMembership: () => {},
  });
}

function entry(index: number, req: InternalRequest): Entry {
  return { term: 1, index, type: EntryType.Normal, data: encodeRequest(req) };
}

test("applying requests is deterministic: two members end in the same state", () => {
  const log: InternalRequest[] = [
    { id: 1, put: { key: enc.encode("a"), value: enc.encode("1") } },
    { id: 2, leaseGrant: { ID: 99, TTL: 60 } },
    { id: 3, put: { key: enc.encode("b"), value: enc.encode("2"), lease: 99 } },
    { id: 4, txn: { compare: [{ key: enc.encode("a"), target: 3, result: 0, value: enc.encode("1") }], success: [{ requestPut: { key: enc.encode("a"), value: enc.encode("3") } }] } },
    { id: 5, deleteRange: { key: enc.encode("zzz") } },
    { id: 6, leaseRevoke: { ID: 99 } },
    { id: 7, compaction: { revision: 3 } },
  ];
  const ra = new Map<number, ApplyResult>();
  const rb = new Map<number, ApplyResult>();
  const a = machine(ra);
  const b = machine(rb);
  log.forEach((req, i) => {
    a.applyEntry(entry(i + 1, req));
    b.applyEntry(entry(i + 1, req));
  });
  assert.deepEqual(a.snapshot(), b.snapshot());
  assert.equal(a.mvcc.appliedIndex, 7);
  // put a, put b, txn (a=3), revoke deletes b: 5 revisions after the initial 1.
  assert.equal(a.mvcc.currentRevision, 5);
  const get = (key: string) => a.mvcc.range({ key: enc.encode(key) }).kvs.map((kv) => dec.decode(kv.value));
  assert.deepEqual(get("a"), ["3"]);
  assert.deepEqual(get("b"), []);
  assert.equal((ra.get(4) as { ok: true; value: { succeeded: boolean } }).value.succeeded, true);
});

test("a failing request reports a store error and changes nothing", () => {
  const results = new Map<number, ApplyResult>();
  const m = machine(results);
  m.applyEntry(entry(1, { id: 1, put: { key: enc.encode("a"), value: enc.encode("1"), lease: 12345 } }));
  const r = results.get(1)!;
  assert.equal(r.ok, false);
  assert.equal(!r.ok && r.error.code, "LeaseNotFound");
  assert.equal(m.mvcc.currentRevision, 1);
  // An empty entry (a new leader's) is a no-op that still advances the applied index.
  m.applyEntry({ term: 2, index: 2, type: EntryType.Normal, data: new Uint8Array(0) });
  assert.equal(m.mvcc.appliedIndex, 2);
});

test("snapshot and restore carry the KV state and the membership", () => {
  const m = machine(new Map());
  m.applyConfChange(
    { type: ConfChangeType.AddNode, nodeId: 5, context: encodeMemberInfo({ id: 5, name: "m5", peerUrls: ["http://127.0.0.1:5"], clientUrls: [], isLearner: false }) },
    1,
  );
  m.applyEntry(entry(2, { id: 1, put: { key: enc.encode("k"), value: enc.encode("v") } }));
  m.applyEntry(entry(3, { id: 2, publish: { id: 5, name: "m5", clientUrls: ["http://127.0.0.1:6"] } }));
  const copy = machine(new Map());
  copy.restore(m.snapshot(), 3);
  assert.deepEqual(copy.cluster.list(), [{ id: 5, name: "m5", peerUrls: ["http://127.0.0.1:5"], clientUrls: ["http://127.0.0.1:6"], isLearner: false }]);
  assert.equal(dec.decode(copy.mvcc.range({ key: enc.encode("k") }).kvs[0]!.value), "v");
  assert.equal(copy.mvcc.appliedIndex, 3);
  // Removing a member records it, so its id can never come back.
  copy.applyConfChange({ type: ConfChangeType.RemoveNode, nodeId: 5 }, 4);
  assert.equal(copy.cluster.members.size, 0);
  assert.ok(copy.cluster.removed.has(5));
});

test("snapshotLater gives snapshot()'s bytes for the state when it was called, while writes go on", async () => {
  const m = machine(new Map());
  let index = 0;
  for (; index < 3000; index++) m.applyEntry(entry(index + 1, { id: index + 1, put: { key: enc.encode(`k${index % 500}`), value: enc.encode(`v${index}`) } }));
  const expected = m.snapshot();
  const later = m.snapshotLater(0);
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    index++;
    m.applyEntry(entry(index, { id: index, put: { key: enc.encode(`new${i}`), value: enc.encode("x") } }));
  }
  assert.deepEqual(await later, expected);
  assert.notDeepEqual(m.snapshot(), expected);
});

test("a client write carried as the bytes the client sent decodes and applies as if encoded again", async () => {
  const { etcdserverpb: pb } = await import("@skiff/proto/gen/etcd/etcdserverpb/rpc.js");
  const put = { key: enc.encode("k"), value: enc.encode("x".repeat(300)), prevKv: true, lease: 0 };
  const txn = { success: [{ requestPut: { key: enc.encode("t"), value: enc.encode("1") } }] };
  const id = 2 ** 52 + 12345;
  const cases: [Uint8Array, Uint8Array][] = [
    [encodeClientWrite(id, "put", pb.PutRequest.encode(put).finish()), encodeRequest({ id, put })],
    [encodeClientWrite(id + 1, "txn", pb.TxnRequest.encode(txn).finish()), encodeRequest({ id: id + 1, txn })],
    [encodeClientWrite(id + 2, "deleteRange", pb.DeleteRangeRequest.encode({ key: enc.encode("t") }).finish()), encodeRequest({ id: id + 2, deleteRange: { key: enc.encode("t") } })],
  ];
  const ra = new Map<number, ApplyResult>();
  const rb = new Map<number, ApplyResult>();
  const a = machine(ra);
  const b = machine(rb);
  cases.forEach(([mine, theirs], i) => {
    assert.deepEqual(Buffer.from(mine), Buffer.from(theirs), `case ${i}: the same bytes as protobufjs`);
    a.applyEntry({ term: 1, index: i + 1, type: EntryType.Normal, data: mine });
    b.applyEntry({ term: 1, index: i + 1, type: EntryType.Normal, data: theirs });
  });
  assert.deepEqual([...ra], [...rb]);
  assert.deepEqual([...ra.keys()], [id, id + 1, id + 2]);
  assert.deepEqual(a.snapshot(), b.snapshot());
});
