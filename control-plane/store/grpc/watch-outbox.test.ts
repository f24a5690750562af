// The hand-encoded watch responses decode, with etcd's own message types, to
// what protobufjs would have sent; the outbox batches a watch's revisions into
// one response per flush, in order, and never lets another response overtake
// events that came before it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Event, EventType, type KeyValue } from "../mvcc/index.ts";
import { etcdserverpb as pb, type WatchResponse } from "./etcd-services.ts";
import { maxBatchedResponseBytes, WatchOutbox } from "./watch-outbox.ts";
import { encodeEventField, encodeEventsResponse, encodeHeaderField } from "./watch-wire.ts";

const enc = new TextEncoder();
const kv = (key: string, rev: number, value = "v", lease = 0): KeyValue => ({ key: enc.encode(key), createRevision: 2, modRevision: rev, version: rev - 1, value: enc.encode(value), lease });
const header = (revision: number) => ({ clusterId: 2 ** 52 + 7, memberId: 0x1234_5678_9abc, revision, raftTerm: 3 });

/** A decoded response as plain numbers and strings, defaults filled in. */
function readable(bytes: Uint8Array) {
  const r = pb.WatchResponse.toObject(pb.WatchResponse.decode(bytes), { longs: Number, bytes: String, defaults: true });
  return r as { header: { revision: number; clusterId: number; memberId: number; raftTerm: number }; watchId: number; events: { type: number; kv: Record<string, unknown>; prevKv?: Record<string, unknown> }[]; created: boolean };
}

test("an encoded events response decodes as the same response through protobufjs", () => {
  const events: Event[] = [
    { type: EventType.PUT, kv: kv("a", 9, "x".repeat(300), 0x7fff_ffff_ffff), prevKv: kv("a", 8, "") },
    { type: EventType.DELETE, kv: { key: enc.encode("b"), createRevision: 0, modRevision: 9, version: 0, value: new Uint8Array(0), lease: 0 } },
  ];
  const fields = events.map(encodeEventField);
  const mine = encodeEventsResponse(encodeHeaderField(header(9)), 5, fields, fields.reduce((n, f) => n + f.byteLength, 0));
  const theirs = pb.WatchResponse.encode({ header: header(9), watchId: 5, events }).finish();
  assert.deepEqual(readable(mine), readable(theirs));
  assert.equal(readable(mine).events[0]!.kv.lease, 0x7fff_ffff_ffff);
});

test("a negative watch id (progress) and lease encode as 64-bit two's complement", () => {
  const field = encodeEventField({ type: EventType.PUT, kv: kv("k", 4, "v", -5) });
  const mine = encodeEventsResponse(encodeHeaderField(header(4)), -1, [field], field.byteLength);
  const r = readable(mine);
  assert.equal(r.watchId, -1);
  assert.equal(r.events[0]!.kv.lease, -5);
});

test("an event is encoded once, however many watchers it goes to", () => {
  const e: Event = { type: EventType.PUT, kv: kv("k", 3) };
  assert.equal(encodeEventField(e), encodeEventField(e));
});

function outbox() {
  const out: (WatchResponse | Buffer)[] = [];
  let flush: (() => void) | undefined;
  const box = new WatchOutbox(
    (m) => out.push(m),
    header,
    (f) => (flush = f),
  );
  const run = (): void => {
    const f = flush;
    flush = undefined;
    f?.();
  };
  const decoded = () => out.map((m) => (Buffer.isBuffer(m) ? readable(m) : m));
  return { box, out, run, decoded };
}

test("the revisions a watch gets in one batch go out as one response, per watch, in order", () => {
  const { box, out, run, decoded } = outbox();
  box.events(1, 5, [{ type: EventType.PUT, kv: kv("a", 5) }]);
  box.events(2, 5, [{ type: EventType.PUT, kv: kv("a", 5) }]);
  box.events(1, 6, [{ type: EventType.PUT, kv: kv("b", 6) }, { type: EventType.PUT, kv: kv("c", 6) }]);
  assert.equal(out.length, 0, "nothing is written before the batch is done");
  run();
  const r = decoded() as ReturnType<typeof readable>[];
  assert.equal(r.length, 2);
  assert.equal(r[0]!.watchId, 1);
  assert.deepEqual(r[0]!.events.map((e) => e.kv.modRevision), [5, 6, 6]);
  assert.equal(r[0]!.header.revision, 6, "the header carries the last revision");
  assert.equal(r[1]!.watchId, 2);
  assert.equal(r[1]!.header.revision, 5);
});

test("another response first flushes the events that wait, and close drops them", () => {
  const { box, out, run } = outbox();
  box.events(1, 5, [{ type: EventType.PUT, kv: kv("a", 5) }]);
  box.send({ watchId: 1, canceled: true, compactRevision: 7 });
  assert.equal(out.length, 2);
  assert.ok(Buffer.isBuffer(out[0]));
  assert.deepEqual(out[1], { watchId: 1, canceled: true, compactRevision: 7 });
  box.events(1, 8, [{ type: EventType.PUT, kv: kv("a", 8) }]);
  box.close();
  run();
  box.send({ watchId: 2, created: true });
  assert.equal(out.length, 2);
});

test("a batch is cut before it grows past the response limit, never inside a revision", () => {
  const { box, run, decoded } = outbox();
  const big = "x".repeat(100 * 1024);
  for (let rev = 2; rev < 6; rev++) box.events(1, rev, [{ type: EventType.PUT, kv: kv("a", rev, big) }]);
  box.events(1, 6, [{ type: EventType.PUT, kv: kv("a", 6, "x".repeat(maxBatchedResponseBytes)) }]);
  run();
  const revs = (decoded() as ReturnType<typeof readable>[]).map((r) => r.events.map((e) => e.kv.modRevision));
  assert.deepEqual(revs, [[2, 3], [4, 5], [6]]);
});
