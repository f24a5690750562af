import assert from "node:assert/strict";
import { test } from "node:test";
import { message, MessageType, type RawNode, StateType } from "../../raft/index.ts";
import { HandOffRetry } from "./hand-off.ts";

function fakeNode(): { raw: RawNode; raft: { state: StateType; term: number; raftLog: { applied: number; committed: number } } } {
  const raft = { state: StateType.Follower, term: 4, raftLog: { applied: 9, committed: 10 } };
  return { raw: { raft } as unknown as RawNode, raft };
}

test("a refused hand-off is stepped again once the pending change is applied", () => {
  const n = fakeNode();
  const retry = new HandOffRetry(() => n.raw, 1000);
  const handOff = message({ type: MessageType.MsgTimeoutNow, from: 7, to: 1, term: 4 });
  retry.stepped([message({ type: MessageType.MsgHeartbeat, from: 7, to: 1, term: 4 }), handOff]);
  assert.equal(retry.retry(), undefined, "not while a committed entry is unapplied");
  n.raft.raftLog.applied = 10;
  assert.equal(retry.retry(), handOff);
  assert.equal(retry.retry(), undefined, "only once");
});

test("a hand-off that started a campaign, or went stale, is not repeated", () => {
  const n = fakeNode();
  const retry = new HandOffRetry(() => n.raw, 1000);
  n.raft.state = StateType.Candidate;
  n.raft.term = 5;
  retry.stepped([message({ type: MessageType.MsgTimeoutNow, from: 7, to: 1, term: 4 })]);
  n.raft.raftLog.applied = 10;
  assert.equal(retry.retry(), undefined);

  n.raft.state = StateType.Follower;
  n.raft.term = 5;
  retry.stepped([message({ type: MessageType.MsgTimeoutNow, from: 7, to: 1, term: 5 })]);
  n.raft.term = 6; // someone else won an election meanwhile
  assert.equal(retry.retry(), undefined);
});
