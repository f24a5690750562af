import assert from "node:assert/strict";
import { after, test } from "node:test";
import { freePorts } from "../../../test/support/ports.ts";
import { message, MessageType, type Message } from "../../raft/index.ts";
import { PeerTransport, type TransportEvents } from "./transport.ts";

interface Probe extends TransportEvents {
  received: Message[];
  unreachable: number[];
  snapshots: [number, boolean][];
  waitFor(pred: () => boolean): Promise<void>;
}

function probe(): Probe {
  const p: Probe = {
    received: [],
    unreachable: [],
    snapshots: [],
    onMessages: (msgs) => p.received.push(...msgs),
    onUnreachable: (id) => p.unreachable.push(id),
    onSnapshotSent: (id, ok) => p.snapshots.push([id, ok]),
    waitFor: async (pred) => {
      for (let i = 0; i < 500 && !pred(); i++) await new Promise((r) => setTimeout(r, 10));
      assert.ok(pred(), "condition not reached within 5 s");
    },
  };
  return p;
}

const transports: PeerTransport[] = [];
after(async () => {
  for (const t of transports) await t.close();
});

async function start(selfId: number, clusterId: number, port: number, events: Probe): Promise<PeerTransport> {
  const t = new PeerTransport({ selfId, clusterId, events, log: () => {} });
  transports.push(t);
  await t.listen([new URL(`http://127.0.0.1:${port}`)]);
  return t;
}

test("batches and chunked snapshots cross between two members", async () => {
  const [pa, pb] = await freePorts(2);
  const ea = probe();
  const eb = probe();
  const a = await start(1, 77, pa!, ea);
  await start(2, 77, pb!, eb);
  a.setPeer(2, [new URL(`http://127.0.0.1:${pb}`)]);

  a.send([
    message({ type: MessageType.MsgHeartbeat, from: 1, to: 2, term: 3, commit: 9 }),
    message({ type: MessageType.MsgApp, from: 1, to: 2, term: 3, index: 9, logTerm: 3, entries: [{ term: 3, index: 10, type: 0, data: Buffer.from("x") }] }),
  ]);
  await eb.waitFor(() => eb.received.length === 2);
  assert.deepEqual(eb.received.map((m) => MessageType[m.type]), ["MsgHeartbeat", "MsgApp"]);
  assert.equal(Buffer.from(eb.received[1]!.entries[0]!.data).toString(), "x");

  // A 3.5 MB snapshot travels in 1 MiB chunks and arrives whole.
  const data = Buffer.alloc(3.5 * (1 << 20));
  for (let i = 0; i < data.length; i++) data[i] = i % 251;
  a.send([message({ type: MessageType.MsgSnap, from: 1, to: 2, term: 3, snapshot: { data, metadata: { index: 500, term: 3, confState: { voters: [1, 2], learners: [] } } } })]);
  await eb.waitFor(() => eb.received.length === 3);
  await ea.waitFor(() => ea.snapshots.length === 1);
  const snap = eb.received[2]!.snapshot!;
  assert.equal(snap.metadata.index, 500);
  assert.ok(Buffer.from(snap.data).equals(data));
  assert.deepEqual(ea.snapshots, [[2, true]]);
});

test("a peer that is down is reported unreachable; another cluster's member is refused", async () => {
  const [pa, pdown, pother] = await freePorts(3);
  const ea = probe();
  const eo = probe();
  const a = await start(1, 77, pa!, ea);
  await start(3, 99, pother!, eo);
  a.setPeer(2, [new URL(`http://127.0.0.1:${pdown}`)]);
  a.setPeer(3, [new URL(`http://127.0.0.1:${pother}`)]);
  a.send([message({ type: MessageType.MsgHeartbeat, from: 1, to: 2, term: 1 })]);
  a.send([message({ type: MessageType.MsgHeartbeat, from: 1, to: 3, term: 1 })]);
  await ea.waitFor(() => ea.unreachable.includes(2) && ea.unreachable.includes(3));
  assert.equal(eo.received.length, 0);
});

test("a removed member's stream is refused and it is told why", async () => {
  const [pa, pb] = await freePorts(2);
  const ea = probe();
  const eb = probe();
  let told = 0;
  const a = new PeerTransport({ selfId: 1, clusterId: 77, events: ea, log: () => {}, isRemoved: (id) => id === 2 });
  const b = new PeerTransport({ selfId: 2, clusterId: 77, events: { ...eb, onRemoved: () => told++ }, log: () => {} });
  transports.push(a, b);
  await a.listen([new URL(`http://127.0.0.1:${pa}`)]);
  await b.listen([new URL(`http://127.0.0.1:${pb}`)]);
  b.setPeer(1, [new URL(`http://127.0.0.1:${pa}`)]);
  // Its leader's hand-off still gets through; a campaign is refused with the reason.
  b.send([message({ type: MessageType.MsgHeartbeatResp, from: 2, to: 1, term: 1 }), message({ type: MessageType.MsgTimeoutNow, from: 2, to: 1, term: 1 })]);
  await ea.waitFor(() => ea.received.length === 1);
  assert.equal(MessageType[ea.received[0]!.type], "MsgTimeoutNow");
  assert.equal(told, 0);
  b.send([message({ type: MessageType.MsgPreVote, from: 2, to: 1, term: 2 })]);
  await eb.waitFor(() => told > 0);
  assert.equal(ea.received.length, 1);
});
