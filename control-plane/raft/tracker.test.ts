// Quorum questions of the ProgressTracker, ported from etcd-io/raft's
// quorum/testdata/majority_{commit,vote}.txt and raft_test.go's TestCommit.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Progress } from "./progress.ts";
import { ProgressTracker, VoteResult } from "./tracker.ts";

/** A tracker with voters matched at `matches` (ids 1..n) and learners (ids 101..) at `learnerMatches`. */
function tracker(matches: number[], learnerMatches: number[] = []): ProgressTracker {
  const trk = new ProgressTracker(16);
  matches.forEach((m, i) => {
    const pr = new Progress(m + 1, 16, false);
    pr.match = m;
    trk.progress.set(i + 1, pr);
  });
  learnerMatches.forEach((m, i) => {
    const pr = new Progress(m + 1, 16, true);
    pr.match = m;
    trk.progress.set(101 + i, pr);
  });
  return trk;
}

test("committed is the highest index a majority of voters has", () => {
  const cases: [number[], number][] = [
    [[0], 0],
    [[12], 12],
    [[12, 0], 0],
    [[12, 5], 5],
    [[12, 0, 0], 0],
    [[12, 5, 0], 5],
    [[12, 5, 6], 6],
    [[12, 5, 4], 5],
    [[5, 5, 12], 5],
    [[100, 101, 103], 101],
    [[2, 1, 1, 1], 1],
    [[2, 1, 1, 2], 1],
    [[2, 1, 2, 2], 2],
    [[101, 104, 103, 103, 0], 103],
    [[101, 102, 103, 103, 0], 102],
    [[5, 4, 3, 2, 1], 3],
  ];
  for (const [matches, want] of cases) assert.equal(tracker(matches).committed(), want, JSON.stringify(matches));
});

test("committed ignores learners however far ahead they are", () => {
  assert.equal(tracker([1], [10, 10]).committed(), 1);
  assert.equal(tracker([10, 1, 1], [10, 10, 10]).committed(), 1);
  assert.equal(tracker([10, 10, 1], [0, 0, 0]).committed(), 10);
});

test("committed does not depend on insertion order", () => {
  const trk = tracker([]);
  for (const [id, match] of [[5, 7], [1, 3], [9, 9], [3, 1], [7, 5]] as const) {
    const pr = new Progress(match + 1, 16, false);
    pr.match = match;
    trk.progress.set(id, pr);
  }
  assert.equal(trk.committed(), 5);
});

test("vote tally: won, lost or pending as a majority of voters decides", () => {
  // Votes per voter id 1..n: "y" granted, "n" rejected, "_" not yet.
  const cases: [string, VoteResult][] = [
    ["_", VoteResult.Pending],
    ["n", VoteResult.Lost],
    ["y", VoteResult.Won],
    ["__", VoteResult.Pending],
    ["n_", VoteResult.Lost],
    ["y_", VoteResult.Pending],
    ["ny", VoteResult.Lost],
    ["yy", VoteResult.Won],
    ["___", VoteResult.Pending],
    ["n__", VoteResult.Pending],
    ["y__", VoteResult.Pending],
    ["nn_", VoteResult.Lost],
    ["yn_", VoteResult.Pending],
    ["yy_", VoteResult.Won],
    ["yyn", VoteResult.Won],
    ["nyn", VoteResult.Lost],
    ["yyny___", VoteResult.Pending],
    ["_yy_nyn", VoteResult.Pending],
    ["yyny_ny", VoteResult.Won],
    ["yy_nynn", VoteResult.Pending],
    ["yynynnn", VoteResult.Lost],
  ];
  for (const [votes, want] of cases) {
    const trk = tracker(Array.from(votes, () => 0));
    [...votes].forEach((v, i) => {
      if (v !== "_") trk.recordVote(i + 1, v === "y");
    });
    const tally = trk.tallyVotes();
    assert.equal(tally.result, want, votes);
    assert.equal(tally.granted, [...votes].filter((v) => v === "y").length, `${votes}: granted`);
    assert.equal(tally.rejected, [...votes].filter((v) => v === "n").length, `${votes}: rejected`);
  }
});

test("votes of learners and non-members do not count", () => {
  const trk = tracker([0, 0, 0], [0, 0]);
  trk.recordVote(1, true);
  trk.recordVote(101, true);
  trk.recordVote(102, true);
  trk.recordVote(42, true);
  assert.deepEqual(trk.tallyVotes(), { granted: 1, rejected: 0, result: VoteResult.Pending });
});

test("only the first vote of a member counts; resetVotes starts over", () => {
  const trk = tracker([0, 0, 0]);
  trk.recordVote(2, false);
  trk.recordVote(2, true);
  trk.recordVote(3, false);
  assert.equal(trk.tallyVotes().result, VoteResult.Lost);
  trk.resetVotes();
  trk.recordVote(2, true);
  trk.recordVote(3, true);
  assert.equal(trk.tallyVotes().result, VoteResult.Won);
});

test("quorumActive counts recently active voters only", () => {
  const trk = tracker([0, 0, 0], [0, 0]);
  const active = (...ids: number[]) => {
    for (const [id, pr] of trk.progress) pr.recentActive = ids.includes(id);
    return trk.quorumActive();
  };
  assert.equal(active(), false);
  assert.equal(active(1), false);
  assert.equal(active(1, 101, 102), false);
  assert.equal(active(1, 3), true);
  assert.equal(active(1, 2, 3), true);
  const four = tracker([0, 0, 0, 0]);
  for (const id of [1, 2]) four.progress.get(id)!.recentActive = true;
  assert.equal(four.quorumActive(), false, "two of four is not a quorum");
  four.progress.get(3)!.recentActive = true;
  assert.equal(four.quorumActive(), true);
});

test("hasQuorum counts acknowledging voters only", () => {
  const trk = tracker([0, 0, 0], [0]);
  assert.equal(trk.hasQuorum(new Set([1])), false);
  assert.equal(trk.hasQuorum(new Set([1, 101, 42])), false);
  assert.equal(trk.hasQuorum(new Set([1, 2])), true);
});

test("membership views are sorted and split voters from learners", () => {
  const trk = new ProgressTracker(16);
  for (const [id, learner] of [[3, false], [7, true], [1, false], [5, true], [2, false]] as const) {
    trk.progress.set(id, new Progress(1, 16, learner));
  }
  assert.deepEqual(trk.voters(), [1, 2, 3]);
  assert.deepEqual(trk.learners(), [5, 7]);
  assert.deepEqual(trk.confState(), { voters: [1, 2, 3], learners: [5, 7] });
  assert.equal(trk.quorum(), 2);
  assert.equal(trk.isSingleton(), false);
  const visited: number[] = [];
  trk.visit((id) => visited.push(id));
  assert.deepEqual(visited, [1, 2, 3, 5, 7]);
  assert.equal(tracker([0], [0, 0]).isSingleton(), true);
});
