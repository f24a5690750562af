// ReadIndex bookkeeping: requests keyed by context wait for a quorum of
// heartbeat acks; releasing one releases every request queued before it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { contextKey, ReadOnly, ReadOnlyOption } from "./read-only.ts";
import { RawNode } from "./raw-node.ts";
import { type InitialState, MemoryStorage } from "./storage.ts";
import { EntryType, message, MessageType, type NodeId, StateType } from "./types.ts";

const ctx = (s: string) => new TextEncoder().encode(s);
const req = (s: string, from: NodeId = 1) =>
  message({ type: MessageType.MsgReadIndex, from, entries: [{ term: 0, index: 0, type: EntryType.Normal, data: ctx(s) }] });

test("acks are collected per context; unknown contexts are ignored", () => {
  const ro = new ReadOnly(ReadOnlyOption.Safe);
  ro.addRequest(5, req("a"));
  assert.deepEqual([...ro.recvAck(1, ctx("a"))!], [1]);
  assert.deepEqual([...ro.recvAck(2, ctx("a"))!].sort(), [1, 2]);
  assert.deepEqual([...ro.recvAck(2, ctx("a"))!].sort(), [1, 2], "a repeated ack counts once");
  assert.equal(ro.recvAck(3, ctx("zzz")), undefined);
});

test("a repeated request with the same context keeps the first index", () => {
  const ro = new ReadOnly(ReadOnlyOption.Safe);
  ro.addRequest(5, req("a"));
  ro.addRequest(9, req("a"));
  assert.equal(ro.pendingCount(), 1);
  assert.deepEqual(ro.advance(ctx("a")).map((rs) => rs.index), [5]);
});

test("advance releases the request and all queued before it, in order", () => {
  const ro = new ReadOnly(ReadOnlyOption.Safe);
  ro.addRequest(1, req("a"));
  ro.addRequest(2, req("b"));
  ro.addRequest(3, req("c"));
  assert.deepEqual(ro.lastPendingRequestCtx(), ctx("c"));
  const released = ro.advance(ctx("b"));
  assert.deepEqual(released.map((rs) => [contextKey(rs.req.entries[0]!.data), rs.index]), [["a", 1], ["b", 2]]);
  assert.equal(ro.pendingCount(), 1);
  assert.equal(ro.recvAck(1, ctx("a")), undefined, "released requests take no more acks");
  assert.deepEqual(ro.advance(ctx("a")), [], "advancing a released context does nothing");
  assert.deepEqual(ro.advance(ctx("c")).map((rs) => rs.index), [3]);
  assert.equal(ro.lastPendingRequestCtx(), undefined);
});

test("contexts are arbitrary bytes", () => {
  const bytes = new Uint8Array([0, 127, 128, 255, 10]);
  const ro = new ReadOnly(ReadOnlyOption.Safe);
  ro.addRequest(7, message({ type: MessageType.MsgReadIndex, entries: [{ term: 0, index: 0, type: EntryType.Normal, data: bytes }] }));
  assert.deepEqual(ro.lastPendingRequestCtx(), bytes);
  assert.notEqual(ro.recvAck(1, bytes), undefined);
  assert.notEqual(contextKey(new Uint8Array([1, 2])), contextKey(new Uint8Array([1, 2, 0])));
});

class PeerStorage extends MemoryStorage {
  constructor(private readonly voters: NodeId[]) {
    super();
  }
  override initialState(): InitialState {
    return { ...super.initialState(), confState: { voters: [...this.voters], learners: [] } };
  }
}

function drain(raw: RawNode, storage: MemoryStorage) {
  const out = [];
  while (raw.hasReady()) {
    const rd = raw.ready();
    storage.append(rd.entries);
    if (rd.hardState !== undefined) storage.setHardState(rd.hardState);
    raw.advance();
    out.push(rd);
  }
  return out;
}

test("a single-node leader answers a read index in the next Ready", () => {
  const storage = new PeerStorage([1]);
  const raw = new RawNode({ id: 1, electionTick: 10, heartbeatTick: 1, storage, random: () => 0 });
  raw.campaign();
  drain(raw, storage);
  raw.readIndex(ctx("r1"));
  assert.deepEqual(drain(raw, storage).flatMap((rd) => rd.readStates), [{ index: 1, requestCtx: ctx("r1") }]);
});

test("a safe read waits for heartbeat acks from a quorum of voters", () => {
  const storage = new PeerStorage([1, 2, 3, 4, 5]);
  const raw = new RawNode({ id: 1, electionTick: 10, heartbeatTick: 1, storage, random: () => 0 });
  raw.campaign();
  drain(raw, storage);
  for (const from of [2, 3]) raw.step(message({ type: MessageType.MsgVoteResp, from, to: 1, term: 1 }));
  for (const from of [2, 3]) raw.step(message({ type: MessageType.MsgAppResp, from, to: 1, term: 1, index: 1 }));
  drain(raw, storage);
  assert.equal(raw.raft.state, StateType.Leader);
  assert.equal(raw.raft.raftLog.committed, 1);
  raw.readIndex(ctx("r1"));
  const beats = drain(raw, storage).flatMap((rd) => rd.messages);
  assert.deepEqual(beats.map((m) => [m.type, contextKey(m.context)]), [2, 3, 4, 5].map(() => [MessageType.MsgHeartbeat, "r1"]));
  const ack = (from: NodeId) => raw.step(message({ type: MessageType.MsgHeartbeatResp, from, to: 1, term: 1, context: ctx("r1") }));
  ack(4);
  assert.deepEqual(drain(raw, storage).flatMap((rd) => rd.readStates), [], "the leader and one follower are not a quorum of five");
  ack(5);
  assert.deepEqual(drain(raw, storage).flatMap((rd) => rd.readStates), [{ index: 1, requestCtx: ctx("r1") }]);
});
