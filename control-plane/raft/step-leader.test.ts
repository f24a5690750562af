// How a leader handles proposals, acknowledgements and rejections, ported from
// etcd-io/raft's raft_test.go (TestUncommittedEntryLimit, TestProgressPaused,
// TestProgressResumeByHeartbeatResp, TestFastLogRejection, TestBcastBeat).
import assert from "node:assert/strict";
import { test } from "node:test";
import { isRaftError } from "./errors.ts";
import { Raft } from "./raft.ts";
import { type Entry, EntryType, message, MessageType, None } from "./types.ts";
import { ents, take, leader, prop, peerStorage } from "./testing.ts";

test("proposals over the uncommitted limit are dropped; empty ones always pass (TestUncommittedEntryLimit)", () => {
  const maxEntries = 1024;
  const r = leader([1, 2, 3], { maxUncommittedEntriesSize: maxEntries * 8, maxInflightMsgs: 2 * maxEntries });
  assert.equal(r.uncommittedSize, 0);
  r.trk.progress.get(2)!.becomeReplicate();
  r.trk.progress.get(3)!.becomeReplicate();
  const testEntry = (): Entry => ({ term: 0, index: 0, type: EntryType.Normal, data: new TextEncoder().encode("testdata") });
  const many = (n: number) => message({ type: MessageType.MsgProp, from: 1, to: 1, entries: Array.from({ length: n }, testEntry) });
  const dropped = (err: unknown) => isRaftError(err, "ProposalDropped");
  const single = Array.from({ length: maxEntries }, testEntry);
  for (let i = 0; i < maxEntries; i++) r.step(many(1));
  assert.throws(() => r.step(many(1)), dropped);
  assert.equal(take(r).length, maxEntries * 2);
  r.reduceUncommittedSize(single);
  assert.equal(r.uncommittedSize, 0);
  // A large proposal is accepted when nothing is uncommitted, even past the limit.
  r.step(many(2 * maxEntries));
  assert.throws(() => r.step(many(1)), dropped);
  r.step(message({ type: MessageType.MsgProp, from: 1, to: 1, entries: [{ ...testEntry(), data: new Uint8Array(0) }] }));
  assert.equal(take(r).length, 2 * 2);
  r.reduceUncommittedSize(Array.from({ length: 2 * maxEntries }, testEntry));
  assert.equal(r.uncommittedSize, 0);
});

test("a probing follower gets one append until it answers (TestProgressPaused)", () => {
  const r = leader([1, 2]);
  for (let i = 0; i < 3; i++) r.step(prop("somedata"));
  assert.equal(take(r).length, 1);
});

test("a heartbeat response resumes a paused probe (TestProgressResumeByHeartbeatResp)", () => {
  const r = leader([1, 2]);
  r.step(prop("x"));
  take(r);
  const pr = r.trk.progress.get(2)!;
  assert.equal(pr.probeSent, true);
  r.step(message({ type: MessageType.MsgBeat, from: 1, to: 1 }));
  assert.equal(pr.probeSent, true);
  assert.deepEqual(take(r).map((m) => m.type), [MessageType.MsgHeartbeat]);
  r.step(message({ type: MessageType.MsgHeartbeatResp, from: 2, to: 1, term: 1 }));
  assert.deepEqual(take(r).map((m) => [m.type, m.to, m.index]), [[MessageType.MsgApp, 2, 0]]);
});

test("a rejection hint lets the leader skip a whole divergent term (TestFastLogRejection)", () => {
  // [leader terms, follower terms, follower compacted through, want hint (term, index), want next append (term, index)]
  const cases: [number[], number[], number, [number, number], [number, number]][] = [
    [[1, 2, 2, 4, 4, 4, 4], [1, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3], 0, [3, 7], [2, 3]],
    [[1, 2, 2, 3, 4, 4, 4, 5], [1, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3], 0, [3, 8], [3, 4]],
    [[1, 1, 1, 1], [1, 2, 2, 4], 0, [1, 1], [1, 1]],
    [[1, 1, 1, 1, 1, 1], [1, 2, 2, 4], 0, [1, 1], [1, 1]],
    [[1, 1, 1, 1], [1, 2, 2, 4, 4, 4], 0, [1, 1], [1, 1]],
    [[1, 1, 1, 4, 5], [1, 1, 1, 4], 0, [4, 4], [4, 4]],
    [[2, 5, 5, 5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], 0, [4, 6], [2, 1]],
    [[2, 2, 2, 2, 2], [2, 4, 4, 4, 4, 4, 4, 4], 0, [2, 1], [2, 1]],
    // A stale append reaching a follower that compacted past it: hint term 0, step back one entry.
    [[1, 1, 3], [1, 1, 3, 3, 3], 5, [0, 3], [1, 2]],
  ];
  for (const [leaderTerms, followerTerms, compact, hint, next] of cases) {
    const lastTerm = leaderTerms.at(-1)!;
    const s1 = peerStorage([1, 2, 3]);
    s1.append(ents(1, ...leaderTerms));
    s1.setHardState({ term: lastTerm - 1, vote: None, commit: leaderTerms.length });
    const n1 = new Raft({ id: 1, electionTick: 10, heartbeatTick: 1, storage: s1, random: () => 0 });
    n1.becomeCandidate();
    n1.becomeLeader();
    const s2 = peerStorage([1, 2, 3]);
    s2.append(ents(1, ...followerTerms));
    s2.setHardState({ term: lastTerm, vote: 1, commit: 0 });
    const n2 = new Raft({ id: 2, electionTick: 10, heartbeatTick: 1, storage: s2, random: () => 0 });
    if (compact > 0) s2.compact(compact);
    const name = `leader ${leaderTerms} follower ${followerTerms}`;

    n2.step(message({ type: MessageType.MsgHeartbeat, from: 1, to: 2, term: lastTerm }));
    const [beatResp] = take(n2);
    n1.step(beatResp!);
    const [app] = take(n1);
    assert.equal(app?.type, MessageType.MsgApp, name);
    n2.step(app);
    const [resp] = take(n2);
    assert.equal(resp?.reject, true, name);
    assert.deepEqual([resp.logTerm, resp.rejectHint], hint, `${name}: hint`);
    n1.step(resp);
    const [retry] = take(n1);
    assert.deepEqual([retry?.logTerm, retry?.index], next, `${name}: next append`);
  }
});

test("heartbeats carry the commit index, capped at what each follower has (TestBcastBeat)", () => {
  const r = leader([1, 2, 3]);
  for (let i = 0; i < 3; i++) r.step(prop("x"));
  r.step(message({ type: MessageType.MsgAppResp, from: 2, to: 1, term: 1, index: 4 }));
  assert.equal(r.raftLog.committed, 4);
  take(r);
  r.step(message({ type: MessageType.MsgBeat, from: 1, to: 1 }));
  assert.deepEqual(take(r).map((m) => [m.type, m.to, m.commit]), [[MessageType.MsgHeartbeat, 2, 4], [MessageType.MsgHeartbeat, 3, 0]]);
});

test("proposals are dropped while leadership is being transferred", () => {
  const r = leader([1, 2]);
  r.step(message({ type: MessageType.MsgTransferLeader, from: 2, to: 1 }));
  assert.equal(r.leadTransferee, 2);
  assert.throws(() => r.step(prop("x")), (e: unknown) => isRaftError(e, "ProposalDropped"));
});
