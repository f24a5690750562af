import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { silentLogger } from "../../logger.ts";
import { ConfChangeType, type Entry, type Message, MessageType, StateType } from "../../raft/index.ts";
import { RaftRunner, type ReplicatedMachine, splitForwardedRequests } from "./raft-runner.ts";

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Records what it applies; data is a UTF-8 string per entry. */
class Recorder implements ReplicatedMachine {
  readonly applied: string[] = [];
  applyEntry(e: Entry): void {
    if (e.data.byteLength > 0) this.applied.push(new TextDecoder().decode(e.data));
  }
  applyConfChange(): void {}
  snapshot(): Uint8Array {
    return new TextEncoder().encode(JSON.stringify(this.applied));
  }
  snapshotLater(): Promise<Uint8Array> {
    return Promise.resolve(this.snapshot());
  }
  restore(data: Uint8Array): void {
    this.applied.splice(0, this.applied.length, ...(JSON.parse(new TextDecoder().decode(data)) as string[]));
  }
}

interface Member {
  id: number;
  runner: RaftRunner;
  machine: Recorder;
  down: boolean;
}

/**
 * Three runners in one process over a loopback "network". The election
 * timeout is far longer than any test, so leaders change only when a test
 * makes them: by campaigning, or through peerDown.
 */
async function cluster(root?: string): Promise<{ members: Member[]; root: string }> {
  root ??= await mkdtemp(join(tmpdir(), "skiff-runner-"));
  dirs.push(root);
  const members: Member[] = [];
  const route = (msgs: Message[]): void => {
    for (const m of msgs) {
      const to = members.find((x) => x.id === m.to);
      if (to !== undefined && !to.down) setImmediate(() => !to.down && to.runner.step([m]));
    }
  };
  for (const id of [1, 2, 3]) {
    const machine = new Recorder();
    const { runner } = await RaftRunner.start(
      {
        id,
        walDir: join(root, String(id), "wal"),
        snapDir: join(root, String(id), "snap"),
        heartbeatMs: 10,
        electionTicks: 100_000,
        snapshotCount: 1_000_000,
        machine,
        send: route,
        logger: silentLogger,
        onReadState: () => {},
        onSoftState: () => {},
        onApplied: () => {},
        onFatal: (err) => {
          throw err;
        },
      },
      { metadata: new Uint8Array([id]), initialMembers: [1, 2, 3].map((nodeId) => ({ type: ConfChangeType.AddNode, nodeId })) },
    );
    members.push({ id, runner, machine, down: false });
  }
  return { members, root };
}

async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.fail(`timed out waiting until ${what}`);
}

function leaderOf(members: Member[]): Member | undefined {
  return members.find((m) => !m.down && m.runner.raw.raft.state === StateType.Leader);
}

async function elect(members: Member[], m: Member): Promise<void> {
  m.runner.raw.campaign();
  m.runner.notify();
  await until(`member ${m.id} leads`, () => leaderOf(members) === m && members.every((x) => x.down || x.runner.raw.raft.lead === m.id));
}

/** Proposals Raft refused (none is expected: every test proposes with a leader in place). */
const dropped: string[] = [];

function propose(m: Member, data: string): void {
  m.runner.propose(new TextEncoder().encode(data), () => dropped.push(data));
}

async function stopAll(members: Member[]): Promise<void> {
  for (const m of members) {
    m.down = true;
    await m.runner.stop();
  }
}

test("proposals made on any member are applied everywhere in one order, and survive a restart", async () => {
  const { members, root } = await cluster();
  await elect(members, members[0]!);
  const sent: string[] = [];
  for (let i = 0; i < 60; i++) {
    const via = members[i % 3]!;
    sent.push(`v${i}`);
    propose(via, `v${i}`);
  }
  await until("everything is applied everywhere", () => members.every((m) => m.machine.applied.length === sent.length));
  const order = members[0]!.machine.applied;
  assert.deepEqual([...order].sort(), [...sent].sort());
  for (const m of members) assert.deepEqual(m.machine.applied, order);
  assert.deepEqual(dropped, []);
  await stopAll(members);

  // The WAL replays the same log in the same order.
  const again = await cluster(root);
  await elect(again.members, again.members[1]!);
  await until("the log is applied again", () => again.members.every((m) => m.machine.applied.length === sent.length));
  for (const m of again.members) assert.deepEqual(m.machine.applied, order);
  await stopAll(again.members);
});

test("when the leader's process is gone, the survivors elect a new leader without waiting out the election timeout", async () => {
  const { members } = await cluster();
  const old = members[0]!;
  await elect(members, old);
  propose(old, "before");
  await until("the first write is applied", () => members.every((m) => m.machine.applied.includes("before")));
  old.down = true;
  await old.runner.stop();
  for (const m of members) if (m !== old) m.runner.peerDown(old.id);
  // The election timeout (100,000 ticks) cannot have passed: only peerDown can have started this election.
  await until("a survivor leads", () => leaderOf(members) !== undefined);
  const next = leaderOf(members)!;
  propose(next, "after");
  await until("the next write is applied on the survivors", () => members.every((m) => m.down || m.machine.applied.includes("after")));
  await stopAll(members.filter((m) => !m.down));
});

test("a peer that goes down without leading changes nothing", async () => {
  const { members } = await cluster();
  const lead = members[0]!;
  await elect(members, lead);
  const [, a, b] = members as [Member, Member, Member];
  b.down = true;
  await b.runner.stop();
  a.runner.peerDown(b.id);
  lead.runner.peerDown(b.id);
  propose(a, "still");
  await until("a write still commits", () => lead.machine.applied.includes("still") && a.machine.applied.includes("still"));
  assert.equal(leaderOf(members), lead);
  assert.equal(a.runner.raw.raft.state, StateType.Follower);
  await stopAll([lead, a]);
});

test("a follower forwards proposals and read-index requests at once; acknowledgements and votes wait for its write", () => {
  const m = (type: MessageType, to = 1): Message => ({ type, to, from: 2, term: 3, logTerm: 0, index: 0, entries: [], commit: 0, reject: false, rejectHint: 0 }) as Message;
  const msgs = [m(MessageType.MsgAppResp), m(MessageType.MsgProp), m(MessageType.MsgVoteResp, 3), m(MessageType.MsgReadIndex), m(MessageType.MsgHeartbeatResp), m(MessageType.MsgProp)];
  const [early, late] = splitForwardedRequests(msgs);
  assert.deepEqual(early.map((x) => MessageType[x.type]), ["MsgProp", "MsgReadIndex", "MsgProp"]);
  assert.deepEqual(late.map((x) => MessageType[x.type]), ["MsgAppResp", "MsgVoteResp", "MsgHeartbeatResp"]);
});
