// The Raft state machine driven directly (no Ready loop), ported from
// etcd-io/raft's raft_test.go: TestProgressLeader, TestCommit,
// TestLeaderElection and TestRecvMsgVote.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfChangeType } from "./conf-change.ts";
import { applyConfChange } from "./membership.ts";
import { ProgressState } from "./progress.ts";
import type { Raft } from "./raft.ts";
import { message, MessageType, None, type NodeId, StateType } from "./types.ts";
import { newRaft, take, leader, prop } from "./testing.ts";

test("the leader's own progress follows its appends (TestProgressLeader)", () => {
  const r = leader([1, 2]);
  r.trk.progress.get(2)!.becomeReplicate();
  for (let i = 0; i < 5; i++) {
    const pr = r.trk.progress.get(1)!;
    assert.equal(pr.state, ProgressState.Replicate);
    assert.equal(pr.match, i + 1);
    assert.equal(pr.next, pr.match + 1);
    r.step(prop("foo"));
  }
});

test("maybeCommit commits the quorum index only if it is of the current term (TestCommit)", () => {
  // [matches of voters 1..n, log terms from index 1, current term, want commit]
  const cases: [number[], number[], number, number][] = [
    [[1], [1], 1, 1], [[1], [1], 2, 0], [[2], [1, 2], 2, 2], [[1], [2], 2, 1],
    [[2, 1, 1], [1, 2], 1, 1], [[2, 1, 1], [1, 1], 2, 0], [[2, 1, 2], [1, 2], 2, 2], [[2, 1, 2], [1, 1], 2, 0],
    [[2, 1, 1, 1], [1, 2], 1, 1], [[2, 1, 1, 1], [1, 1], 2, 0], [[2, 1, 1, 2], [1, 2], 1, 1],
    [[2, 1, 1, 2], [1, 1], 2, 0], [[2, 1, 2, 2], [1, 2], 2, 2], [[2, 1, 2, 2], [1, 1], 2, 0],
  ];
  for (const [matches, terms, term, want] of cases) {
    const r = newRaft(1, [1], { terms, term });
    matches.forEach((m, j) => {
      if (j > 0) applyConfChange(r, { type: ConfChangeType.AddNode, nodeId: j + 1 });
      const pr = r.trk.progress.get(j + 1)!;
      pr.match = m;
      pr.next = m + 1;
    });
    r.maybeCommit();
    assert.equal(r.raftLog.committed, want, `matches ${matches} terms ${terms} term ${term}`);
  }
});

/** Node 1 campaigns; messages are delivered until none are left. Members in `down` never answer. */
function elect(n: number, opts: { down?: NodeId[]; logs?: Record<NodeId, number[]>; preVote?: boolean }): Raft {
  const ids = Array.from({ length: n }, (_, i) => i + 1);
  const nodes = new Map<NodeId, Raft>();
  for (const id of ids) {
    if (opts.down?.includes(id)) continue;
    const terms = opts.logs?.[id] ?? [];
    nodes.set(id, newRaft(id, ids, { terms, term: terms.at(-1) ?? 0, over: { preVote: opts.preVote ?? false } }));
  }
  const r1 = nodes.get(1)!;
  r1.step(message({ type: MessageType.MsgHup, from: 1, to: 1 }));
  for (let round = 0; round < 100; round++) {
    const msgs = [...nodes.values()].flatMap(take);
    if (msgs.length === 0) break;
    for (const m of msgs) nodes.get(m.to)?.step(m);
  }
  return r1;
}

test("leader election needs a quorum of votes (TestLeaderElection)", () => {
  for (const preVote of [false, true]) {
    const cand = preVote ? StateType.PreCandidate : StateType.Candidate;
    const cases: { n: number; down?: NodeId[]; logs?: Record<NodeId, number[]>; state: StateType; term: number }[] = [
      { n: 3, state: StateType.Leader, term: 1 },
      { n: 3, down: [3], state: StateType.Leader, term: 1 },
      { n: 3, down: [2, 3], state: cand, term: preVote ? 0 : 1 },
      { n: 4, down: [2, 3], state: cand, term: preVote ? 0 : 1 },
      { n: 5, down: [2, 3], state: StateType.Leader, term: 1 },
      // Three logs further along in the same term: they reject rather than ignore the request.
      { n: 5, logs: { 2: [1], 3: [1], 4: [1, 1] }, down: [5], state: StateType.Follower, term: 1 },
    ];
    for (const c of cases) {
      const r = elect(c.n, { down: c.down, logs: c.logs, preVote });
      const name = `preVote=${preVote} n=${c.n} down=${c.down ?? []} logs=${JSON.stringify(c.logs ?? {})}`;
      assert.equal(r.state, c.state, name);
      assert.equal(r.term, c.term, `${name}: term`);
    }
  }
});

test("votes are granted only to up-to-date logs and not twice in a term (TestRecvMsgVote)", () => {
  // [state, candidate last index, candidate last term, our vote, want reject]; our log is 1@2, 2@2.
  const cases: [StateType, number, number, NodeId, boolean][] = [
    [StateType.Follower, 0, 0, None, true], [StateType.Follower, 0, 1, None, true],
    [StateType.Follower, 0, 2, None, true], [StateType.Follower, 0, 3, None, false],
    [StateType.Follower, 1, 0, None, true], [StateType.Follower, 1, 1, None, true],
    [StateType.Follower, 1, 2, None, true], [StateType.Follower, 1, 3, None, false],
    [StateType.Follower, 2, 0, None, true], [StateType.Follower, 2, 1, None, true],
    [StateType.Follower, 2, 2, None, false], [StateType.Follower, 2, 3, None, false],
    [StateType.Follower, 3, 0, None, true], [StateType.Follower, 3, 1, None, true],
    [StateType.Follower, 3, 2, None, false], [StateType.Follower, 3, 3, None, false],
    [StateType.Follower, 3, 2, 2, false], [StateType.Follower, 3, 2, 1, true],
    [StateType.Leader, 3, 3, 1, true], [StateType.PreCandidate, 3, 3, 1, true], [StateType.Candidate, 3, 3, 1, true],
  ];
  for (const type of [MessageType.MsgVote, MessageType.MsgPreVote]) {
    for (const [state, index, logTerm, vote, reject] of cases) {
      const r = newRaft(1, [1], { terms: [2, 2] });
      const term = Math.max(r.raftLog.lastTerm(), logTerm);
      r.state = state;
      r.vote = vote;
      r.term = term;
      r.step(message({ type, from: 2, to: 1, term, index, logTerm }));
      const msgs = take(r);
      assert.equal(msgs.length, 1);
      assert.equal(msgs[0]!.reject, reject, `${MessageType[type]} ${StateType[state]} (${index}, ${logTerm}) vote ${vote}`);
    }
  }
});

test("a follower that knows a leader grants no vote in the same term, but a pre-vote for a later one", () => {
  const r = newRaft(1, [1, 2, 3], { term: 1 });
  r.becomeFollower(1, 3);
  r.step(message({ type: MessageType.MsgVote, from: 2, to: 1, term: 1 }));
  r.step(message({ type: MessageType.MsgPreVote, from: 2, to: 1, term: 1 }));
  r.step(message({ type: MessageType.MsgPreVote, from: 2, to: 1, term: 2 }));
  assert.deepEqual(take(r).map((m) => [m.type, m.reject]), [
    [MessageType.MsgVoteResp, true],
    [MessageType.MsgPreVoteResp, true],
    [MessageType.MsgPreVoteResp, false],
  ]);
  assert.equal(r.vote, None);
  assert.equal(r.term, 1, "a pre-vote does not move our term");
});

test("a vote is granted once per term, and again only to the same candidate", () => {
  const r = newRaft(1, [1, 2, 3]);
  r.step(message({ type: MessageType.MsgVote, from: 2, to: 1, term: 1 }));
  assert.equal(r.vote, 2);
  r.step(message({ type: MessageType.MsgVote, from: 3, to: 1, term: 1 }));
  r.step(message({ type: MessageType.MsgVote, from: 2, to: 1, term: 1 }));
  r.step(message({ type: MessageType.MsgVote, from: 3, to: 1, term: 2 }));
  assert.deepEqual(take(r).map((m) => [m.to, m.term, m.reject]), [[2, 1, false], [3, 1, true], [2, 1, false], [3, 2, false]]);
  assert.deepEqual([r.term, r.vote], [2, 3]);
});
