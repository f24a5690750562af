import assert from "node:assert/strict";
import { test } from "node:test";
import { EntryType, message, MessageType, type Message } from "../raft/index.ts";
import { decodeBatch, decodeHardState, encodeBatch, encodeHardState } from "./raft-codec.ts";

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

test("a batch of Raft messages survives the wire unchanged", () => {
  const messages: Message[] = [
    message({
      type: MessageType.MsgApp,
      to: 2,
      from: 1,
      term: 7,
      logTerm: 6,
      index: 41,
      commit: 40,
      entries: [
        { term: 7, index: 42, type: EntryType.Normal, data: bytes("put a=1") },
        { term: 7, index: 43, type: EntryType.ConfChange, data: bytes("\x00\x04") },
      ],
    }),
    message({ type: MessageType.MsgAppResp, to: 1, from: 2, term: 7, index: 41, reject: true, rejectHint: 30, logTerm: 5 }),
    message({ type: MessageType.MsgHeartbeat, to: 3, from: 1, term: 7, commit: 40, context: bytes("read-1") }),
    message({
      type: MessageType.MsgSnap,
      to: 4,
      from: 1,
      term: 7,
      snapshot: { data: bytes("state"), metadata: { index: 100, term: 6, confState: { voters: [1, 2, 3], learners: [4] } } },
    }),
    // Values near 2^53 keep their precision: revisions and ids are numbers end to end.
    message({ type: MessageType.MsgVote, to: 2 ** 52 + 1, from: 9, term: 2 ** 40, logTerm: 3, index: 2 ** 50 }),
  ];
  const decoded = decodeBatch(encodeBatch(messages));
  assert.equal(decoded.length, messages.length);
  messages.forEach((m, i) => {
    const d = decoded[i]!;
    assert.deepEqual(
      { ...d, entries: d.entries.map((e) => ({ ...e, data: [...e.data] })), context: d.context && [...d.context], snapshot: d.snapshot && { ...d.snapshot, data: [...d.snapshot.data] } },
      { ...m, entries: m.entries.map((e) => ({ ...e, data: [...e.data] })), context: m.context && [...m.context], snapshot: m.snapshot && { ...m.snapshot, data: [...m.snapshot.data] } },
    );
  });
});

test("hard state round-trips", () => {
  assert.deepEqual(decodeHardState(encodeHardState({ term: 12, vote: 3, commit: 99 })), { term: 12, vote: 3, commit: 99 });
});

test("the hand-written batch codec and protobufjs read each other's bytes", async () => {
  const { raftpb } = await import("@skiff/proto/gen/raft/raftpb.js");
  const { messageFromProto, messageToProto } = await import("./raft-codec.ts");
  const messages: Message[] = [
    message({ type: MessageType.MsgApp, to: 2, from: 1, term: 3, logTerm: 3, index: 9, commit: 8, entries: [{ term: 3, index: 10, type: EntryType.Normal, data: new Uint8Array(300).fill(7) }, { term: 3, index: 11, type: EntryType.Normal, data: new Uint8Array(0) }] }),
    message({ type: MessageType.MsgHup, to: 0, from: 0 }),
    message({ type: MessageType.MsgSnap, to: 2, from: 1, term: 3, snapshot: { data: bytes("s"), metadata: { index: 5, term: 2, confState: { voters: [1, 2], learners: [] } } } }),
    message({ type: MessageType.MsgAppResp, to: 1, from: 2, term: 2 ** 33, index: 2 ** 53 - 1, reject: true, rejectHint: 129 }),
  ];
  const norm = (ms: Message[]): unknown =>
    ms.map((m) => ({ ...m, entries: m.entries.map((e) => ({ ...e, data: [...e.data] })), context: m.context && [...m.context], snapshot: m.snapshot && { ...m.snapshot, data: [...m.snapshot.data] } }));
  const ours = encodeBatch(messages);
  assert.deepEqual(norm(raftpb.MessageBatch.decode(ours).messages.map(messageFromProto)), norm(messages));
  const theirs = raftpb.MessageBatch.encode({ messages: messages.map(messageToProto) }).finish();
  assert.deepEqual(norm(decodeBatch(theirs)), norm(messages));
  assert.throws(() => decodeBatch(ours.subarray(0, ours.byteLength - 3)), RangeError);
});
