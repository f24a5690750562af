// How a follower takes appends and heartbeats from its leader, ported from
// etcd-io/raft's raft_test.go (TestHandleMsgApp, TestHandleHeartbeat).
import assert from "node:assert/strict";
import { test } from "node:test";
import { isRaftError } from "./errors.ts";
import { handleAppendEntries, handleHeartbeat } from "./step-follower.ts";
import { type Entry, message, MessageType, None } from "./types.ts";
import { ents, newRaft, take } from "./testing.ts";


test("a follower accepts appends that match its log and commits up to the last new entry (TestHandleMsgApp)", () => {
  // [term, prev log term, prev index, commit, entries, want last index, want commit, want reject]
  const cases: [number, number, number, number, Entry[], number, number, boolean][] = [
    [2, 3, 2, 3, [], 2, 0, true], // previous entry has another term
    [2, 3, 3, 3, [], 2, 0, true], // previous entry missing
    [2, 1, 1, 1, [], 2, 1, false],
    [2, 0, 0, 1, ents(1, 2), 1, 1, false],
    [2, 2, 2, 3, ents(3, 2, 2), 4, 3, false],
    [2, 2, 2, 4, ents(3, 2), 3, 3, false],
    [2, 1, 1, 4, ents(2, 2), 2, 2, false],
    [1, 1, 1, 3, [], 2, 1, false], // commit up to the last new entry 1
    [1, 1, 1, 3, ents(2, 2), 2, 2, false],
    [2, 2, 2, 3, [], 2, 2, false],
    [2, 2, 2, 4, [], 2, 2, false], // commit up to the last index
  ];
  for (const [term, logTerm, index, commit, es, wlast, wcommit, wreject] of cases) {
    const r = newRaft(1, [1], { terms: [1, 2] });
    r.becomeFollower(2, None);
    handleAppendEntries(r, message({ type: MessageType.MsgApp, from: 2, to: 1, term, logTerm, index, commit, entries: es }));
    const name = `prev (${index}, ${logTerm}) commit ${commit} + ${es.length}`;
    assert.equal(r.raftLog.lastIndex(), wlast, name);
    assert.equal(r.raftLog.committed, wcommit, `${name}: commit`);
    const msgs = take(r);
    assert.equal(msgs.length, 1);
    assert.equal(msgs[0]!.reject, wreject, `${name}: reject`);
    if (wreject) assert.deepEqual([msgs[0]!.rejectHint, msgs[0]!.logTerm], [2, 2], `${name}: hint`);
  }
});

test("a heartbeat raises the commit index but never lowers it (TestHandleHeartbeat)", () => {
  for (const [commit, want] of [[3, 3], [1, 2]]) {
    const r = newRaft(1, [1, 2], { terms: [1, 2, 3] });
    r.becomeFollower(2, 2);
    r.raftLog.commitTo(2);
    handleHeartbeat(r, message({ type: MessageType.MsgHeartbeat, from: 2, to: 1, term: 2, commit }));
    assert.equal(r.raftLog.committed, want);
    assert.deepEqual(take(r).map((m) => m.type), [MessageType.MsgHeartbeatResp]);
  }
});

test("an append below the commit index is answered with the commit index", () => {
  const r = newRaft(1, [1, 2], { terms: [1, 1, 1] });
  r.becomeFollower(1, 2);
  r.raftLog.commitTo(3);
  handleAppendEntries(r, message({ type: MessageType.MsgApp, from: 2, to: 1, term: 1, logTerm: 1, index: 1, entries: ents(2, 1) }));
  assert.deepEqual(take(r).map((m) => [m.type, m.index, m.reject]), [[MessageType.MsgAppResp, 3, false]]);
  assert.equal(r.raftLog.lastIndex(), 3);
});

test("a follower forwards a proposal to its leader, and drops it when it knows none", () => {
  const r = newRaft(2, [1, 2, 3]);
  const p = message({ type: MessageType.MsgProp, from: 2, to: 2, entries: ents(0, 0) });
  assert.throws(() => r.step(p), (e: unknown) => isRaftError(e, "ProposalDropped"));
  r.step(message({ type: MessageType.MsgHeartbeat, from: 1, to: 2, term: 1 }));
  take(r);
  r.step(p);
  assert.deepEqual(take(r).map((m) => [m.type, m.to, m.term]), [[MessageType.MsgProp, 1, 0]]);
});
