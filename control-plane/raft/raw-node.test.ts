// The host's contract with RawNode (take a Ready, do the work, advance), its
// typed errors, and the uncommitted size limit. Cases follow etcd-io/raft's
// rawnode_test.go where our API matches.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { RaftConfig } from "./config.ts";
import { isRaftError, type RaftErrorCode } from "./errors.ts";
import { type Ready, RawNode } from "./raw-node.ts";
import { type InitialState, MemoryStorage } from "./storage.ts";
import { type Entry, EntryType, type Message, message, MessageType, type NodeId, StateType } from "./types.ts";

/** Storage that reports a configuration without a snapshot, so the log starts at index 1 (etcd's withPeers). */
class PeerStorage extends MemoryStorage {
  constructor(private readonly voters: NodeId[]) {
    super();
  }
  override initialState(): InitialState {
    return { ...super.initialState(), confState: { voters: [...this.voters], learners: [] } };
  }
}

function newNode(id: NodeId, voters: NodeId[], over: Partial<RaftConfig> = {}, storage: MemoryStorage = new PeerStorage(voters)) {
  const raw = new RawNode({ id, electionTick: 10, heartbeatTick: 1, storage, random: () => 0, ...over });
  return { raw, storage };
}

/** Does the host's work for one Ready: persist the snapshot, entries and hard state. */
function persist(storage: MemoryStorage, rd: Ready): void {
  if (rd.snapshot !== undefined) storage.applySnapshot(rd.snapshot);
  storage.append(rd.entries);
  if (rd.hardState !== undefined) storage.setHardState(rd.hardState);
}

/** Runs Ready/advance until there is nothing left, returning every Ready handled. */
function drain(raw: RawNode, storage: MemoryStorage): Ready[] {
  const out: Ready[] = [];
  while (raw.hasReady()) {
    const rd = raw.ready();
    persist(storage, rd);
    raw.advance();
    out.push(rd);
  }
  return out;
}

function raftErr(code: RaftErrorCode) {
  return (err: unknown) => isRaftError(err, code);
}

const data = (s: string) => new TextEncoder().encode(s);
const text = (e: Entry) => new TextDecoder().decode(e.data);

/** A single-node cluster that has elected itself and applied its empty entry. */
function singleLeader(over: Partial<RaftConfig> = {}) {
  const n = newNode(1, [1], over);
  n.raw.campaign();
  drain(n.raw, n.storage);
  assert.equal(n.raw.raft.state, StateType.Leader);
  return n;
}

/** Node 1 of three, leader at term 1 after node 2's vote, its empty entry not yet acknowledged. */
function threeNodeLeader(over: Partial<RaftConfig> = {}) {
  const n = newNode(1, [1, 2, 3], over);
  n.raw.campaign();
  drain(n.raw, n.storage);
  n.raw.step(message({ type: MessageType.MsgVoteResp, from: 2, to: 1, term: 1 }));
  drain(n.raw, n.storage);
  assert.equal(n.raw.raft.state, StateType.Leader);
  return n;
}

test("ready() twice without advance() throws", () => {
  const { raw } = newNode(1, [1]);
  assert.equal(raw.hasReady(), false, "a fresh node has nothing to do");
  raw.campaign();
  raw.ready();
  assert.throws(() => raw.ready(), /before advance/);
});

test("advance() without a pending Ready throws, also after the Ready was advanced", () => {
  const { raw, storage } = newNode(1, [1]);
  assert.throws(() => raw.advance(), /without a pending Ready/);
  raw.campaign();
  persist(storage, raw.ready());
  raw.advance();
  assert.throws(() => raw.advance(), /without a pending Ready/);
});

test("hasReady is false while a Ready is pending, and new work shows after advance", () => {
  const { raw, storage } = newNode(1, [1]);
  raw.campaign();
  assert.equal(raw.hasReady(), true);
  const rd = raw.ready();
  assert.equal(raw.hasReady(), false);
  raw.propose(data("during"));
  assert.equal(raw.hasReady(), false);
  persist(storage, rd);
  raw.advance();
  assert.equal(raw.hasReady(), true);
  const next = raw.ready();
  assert.deepEqual(next.entries.map(text), ["during"], "only the entry proposed meanwhile");
});

test("entries are handed out once, and stableTo moves the unstable offset on advance", () => {
  const { raw, storage } = newNode(1, [1]);
  raw.campaign();
  const rd = raw.ready();
  assert.deepEqual(rd.entries.map((e) => [e.index, e.term]), [[1, 1]]);
  assert.equal(raw.raft.raftLog.unstable.offset, 1);
  persist(storage, rd);
  raw.advance();
  assert.equal(raw.raft.raftLog.unstable.offset, 2);
  assert.deepEqual(raw.raft.raftLog.unstableEntries(), []);
  assert.equal(raw.hasReady(), false);
});

test("a single-node cluster commits a proposal after campaign and the Ready loop", () => {
  const { raw, storage } = singleLeader();
  raw.propose(data("foo"));
  const rds = drain(raw, storage);
  const committed = rds.flatMap((rd) => rd.committedEntries);
  assert.deepEqual(committed.map(text), ["foo"]);
  assert.equal(committed[0]!.index, 2);
  assert.equal(storage.lastIndex(), 2);
  assert.deepEqual(storage.initialState().hardState, { term: 1, vote: 1, commit: 2 });
  assert.equal(raw.status().applied, 2);
});

test("committed entries are handed out exactly once, in order", () => {
  const { raw, storage } = singleLeader();
  const seen: number[] = [];
  for (let i = 0; i < 5; i++) {
    raw.propose(data(`p${i}`));
    if (i % 2 === 0) for (const rd of drain(raw, storage)) seen.push(...rd.committedEntries.map((e) => e.index));
  }
  for (const rd of drain(raw, storage)) seen.push(...rd.committedEntries.map((e) => e.index));
  assert.deepEqual(seen, [2, 3, 4, 5, 6]);
});

test("committed entries are paginated by maxCommittedSizePerReady after a restart, without gaps", () => {
  const storage = new PeerStorage([1]);
  storage.append(Array.from({ length: 10 }, (_, i) => ({ term: 1, index: i + 1, type: EntryType.Normal, data: data("a") })));
  storage.setHardState({ term: 1, vote: 1, commit: 10 });
  const { raw } = newNode(1, [1], { maxCommittedSizePerReady: 40 }, storage);
  const batches = drain(raw, storage).map((rd) => rd.committedEntries.map((e) => e.index));
  assert.ok(batches.length > 1, "more than one Ready");
  assert.deepEqual(batches.flat(), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
});

test("a restart with applied set hands out only entries after it", () => {
  const storage = new PeerStorage([1]);
  storage.append(Array.from({ length: 4 }, (_, i) => ({ term: 1, index: i + 1, type: EntryType.Normal, data: data("a") })));
  storage.setHardState({ term: 1, vote: 1, commit: 4 });
  const { raw } = newNode(1, [1], { applied: 2 }, storage);
  assert.deepEqual(drain(raw, storage).flatMap((rd) => rd.committedEntries.map((e) => e.index)), [3, 4]);
});

test("mustSync: a term or vote change needs a sync, messages alone do not", () => {
  const { raw, storage } = newNode(1, [1, 2, 3]);
  raw.campaign();
  const rd = raw.ready();
  assert.deepEqual(rd.hardState, { term: 1, vote: 1, commit: 0 });
  assert.deepEqual(rd.entries, []);
  assert.equal(rd.mustSync, true);
  assert.deepEqual(rd.messages.map((m) => [m.type, m.to]), [[MessageType.MsgVote, 2], [MessageType.MsgVote, 3]]);
  persist(storage, rd);
  raw.advance();
  raw.step(message({ type: MessageType.MsgVoteResp, from: 2, to: 1, term: 1 }));
  const asLeader = raw.ready();
  assert.equal(asLeader.hardState, undefined);
  assert.equal(asLeader.entries.length, 1);
  assert.equal(asLeader.mustSync, true, "new entries");
  persist(storage, asLeader);
  raw.advance();
  raw.tick();
  const beat = raw.ready();
  assert.deepEqual(beat.messages.map((m) => m.type), [MessageType.MsgHeartbeat, MessageType.MsgHeartbeat]);
  assert.equal(beat.mustSync, false);
  assert.equal(beat.softState, undefined, "the soft state is only reported when it changes");
});

test("mustSync: a commit-only change on a follower needs no sync", () => {
  const { raw, storage } = newNode(2, [1, 2, 3]);
  const e1: Entry = { term: 1, index: 1, type: EntryType.Normal, data: data("x") };
  raw.step(message({ type: MessageType.MsgApp, from: 1, to: 2, term: 1, entries: [e1] }));
  const first = raw.ready();
  assert.deepEqual(first.softState, { lead: 1, raftState: StateType.Follower });
  assert.equal(first.mustSync, true);
  assert.deepEqual(first.messages.map((m) => [m.type, m.index]), [[MessageType.MsgAppResp, 1]]);
  persist(storage, first);
  raw.advance();
  raw.step(message({ type: MessageType.MsgHeartbeat, from: 1, to: 2, term: 1, commit: 1 }));
  const rd = raw.ready();
  assert.deepEqual(rd.hardState, { term: 1, vote: 0, commit: 1 });
  assert.equal(rd.mustSync, false);
  assert.deepEqual(rd.committedEntries.map(text), ["x"]);
});

test("a proposal without a known leader throws ProposalDropped", () => {
  const { raw } = newNode(1, [1, 2, 3]);
  assert.throws(() => raw.propose(data("x")), raftErr("ProposalDropped"));
  raw.campaign();
  assert.throws(() => raw.propose(data("x")), raftErr("ProposalDropped"), "as candidate");
});

test("a follower forwards proposals to its leader unless forwarding is disabled", () => {
  for (const disableProposalForwarding of [false, true]) {
    const { raw } = newNode(2, [1, 2, 3], { disableProposalForwarding });
    raw.step(message({ type: MessageType.MsgHeartbeat, from: 1, to: 2, term: 1 }));
    if (disableProposalForwarding) {
      assert.throws(() => raw.propose(data("x")), raftErr("ProposalDropped"));
      continue;
    }
    raw.propose(data("x"));
    const fwd = raw.ready().messages.find((m) => m.type === MessageType.MsgProp);
    assert.equal(fwd?.to, 1);
    assert.deepEqual(fwd.entries.map(text), ["x"]);
  }
});

test("a proposal forwarded from a peer is dropped silently when it cannot be taken", () => {
  const { raw } = newNode(1, [1, 2, 3]);
  const entries = [{ term: 0, index: 0, type: EntryType.Normal, data: data("x") }];
  raw.step(message({ type: MessageType.MsgProp, from: 2, to: 1, entries }));
  assert.equal(raw.hasReady(), false);
});

test("stepping a local message type throws StepLocalMsg", () => {
  const { raw } = newNode(1, [1, 2, 3]);
  for (const type of [MessageType.MsgHup, MessageType.MsgBeat, MessageType.MsgUnreachable, MessageType.MsgSnapStatus, MessageType.MsgCheckQuorum]) {
    assert.throws(() => raw.step(message({ type, from: 2, to: 1 })), raftErr("StepLocalMsg"), MessageType[type]);
  }
  assert.equal(raw.raft.state, StateType.Follower, "MsgHup did not start an election");
});

test("a response from a member not in the configuration throws StepPeerNotFound", () => {
  const { raw } = threeNodeLeader();
  const types = [MessageType.MsgAppResp, MessageType.MsgVoteResp, MessageType.MsgHeartbeatResp, MessageType.MsgPreVoteResp];
  for (const type of types) {
    const m: Message = message({ type, from: 9, to: 1, term: 1 });
    assert.throws(() => raw.step(m), raftErr("StepPeerNotFound"), MessageType[type]);
  }
});

test("proposals beyond maxUncommittedEntriesSize are dropped until entries commit", () => {
  const { raw, storage } = threeNodeLeader({ maxUncommittedEntriesSize: 16 * 8 });
  raw.step(message({ type: MessageType.MsgAppResp, from: 2, to: 1, term: 1, index: 1 }));
  drain(raw, storage);
  let accepted = 0;
  let dropped = 0;
  for (let i = 0; i < 64; i++) {
    try {
      raw.propose(data("testdata"));
      accepted++;
    } catch (err) {
      assert.ok(isRaftError(err, "ProposalDropped"));
      dropped++;
    }
  }
  assert.deepEqual([accepted, dropped], [16, 48]);
  assert.equal(raw.raft.uncommittedSize, 128);
  drain(raw, storage);
  assert.throws(() => raw.propose(data("testdata")), raftErr("ProposalDropped"), "persisting alone frees nothing");
  raw.step(message({ type: MessageType.MsgAppResp, from: 2, to: 1, term: 1, index: 17 }));
  const committed = drain(raw, storage).flatMap((rd) => rd.committedEntries);
  assert.equal(committed.length, 16);
  assert.equal(raw.raft.uncommittedSize, 0);
  raw.propose(data("testdata"));
});

test("a single-node leader's log stays bounded while nothing is advanced", () => {
  const { raw, storage } = singleLeader({ maxUncommittedEntriesSize: 16 * 8 });
  for (let i = 0; i < 1024; i++) {
    try {
      raw.propose(data("testdata"));
    } catch (err) {
      assert.ok(isRaftError(err, "ProposalDropped"));
    }
  }
  assert.equal(raw.raft.uncommittedSize, 128);
  const rd = raw.ready();
  assert.equal(rd.entries.length, 16);
  persist(storage, rd);
  raw.advance();
  assert.equal(raw.raft.uncommittedSize, 0);
});

test("a snapshot from the leader is handed out, and advance marks it applied", () => {
  const { raw, storage } = newNode(2, [1, 2, 3]);
  const snapshot = { data: data("state"), metadata: { index: 10, term: 2, confState: { voters: [1, 2, 3], learners: [] } } };
  raw.step(message({ type: MessageType.MsgSnap, from: 1, to: 2, term: 2, snapshot }));
  assert.equal(raw.hasReady(), true);
  const rd = raw.ready();
  assert.equal(rd.snapshot, snapshot);
  assert.deepEqual(rd.committedEntries, []);
  assert.deepEqual(rd.messages.map((m) => [m.type, m.index]), [[MessageType.MsgAppResp, 10]]);
  persist(storage, rd);
  raw.advance();
  assert.equal(raw.raft.raftLog.hasPendingSnapshot(), false);
  assert.equal(raw.status().applied, 10);
  assert.equal(raw.hasReady(), false);
});
