import assert from "node:assert/strict";
import { test } from "node:test";
import { type Entry, EntryType, type Message, message, MessageType } from "../../raft/index.ts";
import { coalesceMessages } from "./coalesce.ts";

const ent = (index: number, term = 2): Entry => ({ index, term, type: EntryType.Normal, data: new Uint8Array([index]) });
const app = (to: number, index: number, logTerm: number, entries: Entry[], commit: number): Message =>
  message({ type: MessageType.MsgApp, from: 1, to, term: 2, index, logTerm, entries, commit });
const resp = (to: number, index: number, reject = false): Message => message({ type: MessageType.MsgAppResp, from: 2, to, term: 2, index, reject });

test("contiguous appends to one follower become one, with the later commit index", () => {
  const out = coalesceMessages([app(2, 10, 2, [ent(11), ent(12)], 9), app(2, 12, 2, [ent(13)], 10), app(2, 13, 2, [], 11)]);
  assert.equal(out.length, 1);
  assert.deepEqual(
    out[0]!.entries.map((e) => e.index),
    [11, 12, 13],
  );
  assert.equal(out[0]!.index, 10);
  assert.equal(out[0]!.logTerm, 2);
  assert.equal(out[0]!.commit, 11);
});

test("each follower keeps its own order; other messages and gaps are never merged across", () => {
  const hb = message({ type: MessageType.MsgHeartbeat, from: 1, to: 2, term: 2, commit: 9 });
  const msgs = [app(2, 10, 2, [ent(11)], 9), app(3, 10, 2, [ent(11)], 9), hb, app(2, 11, 2, [ent(12)], 9), app(3, 11, 2, [ent(12)], 9), app(3, 20, 2, [ent(21)], 9)];
  const out = coalesceMessages(msgs);
  assert.deepEqual(
    out.map((m) => [m.to, m.type, m.index, m.entries.length]),
    [
      [2, MessageType.MsgApp, 10, 1],
      [3, MessageType.MsgApp, 10, 2],
      [2, MessageType.MsgHeartbeat, 0, 0],
      [2, MessageType.MsgApp, 11, 1],
      [3, MessageType.MsgApp, 20, 1],
    ],
  );
});

test("a term change between appends is not merged", () => {
  const out = coalesceMessages([app(2, 10, 2, [ent(11, 2)], 9), app(2, 11, 1, [ent(12, 2)], 9)]);
  assert.equal(out.length, 2);
});

test("successive acknowledgements keep the highest index; a rejection is never dropped", () => {
  assert.deepEqual(
    coalesceMessages([resp(1, 11), resp(1, 13), resp(1, 12)]).map((m) => m.index),
    [13],
  );
  assert.deepEqual(
    coalesceMessages([resp(1, 11), resp(1, 9, true), resp(1, 12)]).map((m) => [m.index, m.reject]),
    [
      [11, false],
      [9, true],
      [12, false],
    ],
  );
});
