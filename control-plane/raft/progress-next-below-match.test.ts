import assert from "node:assert/strict";
import { test } from "node:test";
import { Progress } from "./progress.ts";
import { Raft } from "./raft.ts";
import { type InitialState, MemoryStorage } from "./storage.ts";
import { EntryType, type Message, message, MessageType, type NodeId } from "./types.ts";

class PeerStorage extends MemoryStorage {
  constructor(private readonly voters: NodeId[]) {
    super();
  }
  override initialState(): InitialState {
    return { ...super.initialState(), confState: { voters: [...this.voters], learners: [] } };
  }
}

const take = (r: Raft): Message[] => {
  const m = r.msgs;
  r.msgs = [];
  return m;
};

test("a stale probe rejection does not move next to or below match", () => {
  const pr = new Progress(8, 16, false); // probing at index 7
  pr.match = 5;
  assert.equal(pr.maybeDecrTo(7, 3), true);
  assert.ok(pr.next > pr.match, `next ${pr.next} must stay above match ${pr.match}`); // fails: next is 4
});

test("after a reordered rejection the leader resends from match (etcd TestLogReplicationWithReorderedMessage)", () => {
  const mk = (id: NodeId) => new Raft({ id, electionTick: 10, heartbeatTick: 1, storage: new PeerStorage([1, 2]), random: () => 0 });
  const r1 = mk(1);
  r1.becomeCandidate();
  r1.becomeLeader();
  take(r1);
  r1.trk.progress.get(2)!.becomeReplicate();
  const r2 = mk(2);
  const prop = () => message({ type: MessageType.MsgProp, from: 1, to: 1, entries: [{ term: 0, index: 0, type: EntryType.Normal, data: new TextEncoder().encode("somedata") }] });
  r1.step(prop());
  const [req1] = take(r1);
  r1.step(prop());
  const [req2] = take(r1);
  // r2 gets the second append first and rejects it.
  r2.step(req2!);
  const [resp2] = take(r2);
  assert.equal(resp2!.reject, true);
  assert.deepEqual([resp2!.index, resp2!.rejectHint], [2, 0]);
  r2.step(req1!);
  const [ack] = take(r2);
  r1.step(ack!);
  take(r1);
  assert.equal(r1.trk.progress.get(2)!.match, 2);
  // A transient network issue moves r2 to probe; then the delayed rejection arrives.
  r1.step(message({ type: MessageType.MsgUnreachable, from: 2, to: 1 }));
  r1.step(resp2!);
  const [retry] = take(r1);
  assert.equal(retry!.index, r1.trk.progress.get(2)!.match); // fails: the leader probes from index 0
});
