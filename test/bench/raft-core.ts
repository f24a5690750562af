// In-process throughput of the Raft core: a 3-member cluster in one process,
// messages delivered at once, storage in memory, no fsync. This is the ceiling
// the replicated store is measured against: everything above it is I/O.
// Reference, measured in the same run: appending the same entries to
// MemoryStorage alone, without consensus.
import { EntryType, MemoryStorage, RawNode, StateType, type Message } from "@skiff/control-plane/raft";

interface Member {
  raw: RawNode;
  storage: MemoryStorage;
}

export interface RaftCoreFigure {
  name: string;
  entriesPerSecond: number;
  proposalsPerSecond: number;
  entries: number;
  seconds: number;
}

function newCluster(): Member[] {
  const ids = [1, 2, 3];
  let seed = 1;
  // A fixed sequence keeps the election deterministic; no randomness is needed here.
  const random = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  return ids.map((id) => {
    const storage = new MemoryStorage();
    storage.applySnapshot({ data: new Uint8Array(0), metadata: { index: 1, term: 1, confState: { voters: ids, learners: [] } } });
    const raw = new RawNode({ id, storage, applied: 1, electionTick: 10, heartbeatTick: 1, random, maxInflightMsgs: 256, maxSizePerMsg: 1 << 20 });
    return { raw, storage };
  });
}

/** Runs Ready cycles on every member, delivering messages at once, until all are quiet. */
function settle(members: Member[]): void {
  const inbox: Message[] = [];
  for (;;) {
    let busy = false;
    for (const m of members) {
      if (!m.raw.hasReady()) continue;
      busy = true;
      const rd = m.raw.ready();
      if (rd.snapshot !== undefined) m.storage.applySnapshot(rd.snapshot);
      if (rd.entries.length > 0) m.storage.append(rd.entries);
      if (rd.hardState !== undefined) m.storage.setHardState(rd.hardState);
      for (const msg of rd.messages) inbox.push(msg);
      m.raw.advance();
    }
    while (inbox.length > 0) {
      const msg = inbox.shift()!;
      members[msg.to - 1]!.raw.step(msg);
      busy = true;
    }
    if (!busy) return;
  }
}

function electLeader(members: Member[]): Member {
  members[0]!.raw.campaign();
  settle(members);
  const leader = members.find((m) => m.raw.raft.state === StateType.Leader);
  if (leader === undefined) throw new Error("no leader elected");
  return leader;
}

/**
 * Proposes `rounds` times, `perPropose` entries per proposal and `outstanding`
 * proposals before each settle, and reports committed entries per second.
 */
function measure(name: string, perPropose: number, outstanding: number, totalEntries: number, payload: Uint8Array): RaftCoreFigure {
  const members = newCluster();
  const leader = electLeader(members);
  const batch = Array.from({ length: perPropose }, () => payload);
  const startCommit = leader.raw.raft.raftLog.committed;
  let proposals = 0;
  const started = performance.now();
  while (leader.raw.raft.raftLog.committed - startCommit < totalEntries) {
    for (let i = 0; i < outstanding; i++) {
      if (perPropose === 1) leader.raw.propose(payload);
      else leader.raw.proposeBatch(batch);
      proposals++;
    }
    settle(members);
    // Keep memory flat: compact what every member has applied.
    for (const m of members) {
      const applied = m.raw.raft.raftLog.applied;
      if (applied - m.storage.firstIndex() > 4096) m.storage.compact(applied - 1024);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const entries = leader.raw.raft.raftLog.committed - startCommit;
  return { name, entriesPerSecond: entries / seconds, proposalsPerSecond: proposals / seconds, entries, seconds };
}

function measureStorageOnly(totalEntries: number, payload: Uint8Array): RaftCoreFigure {
  const storage = new MemoryStorage();
  const started = performance.now();
  for (let index = 1; index <= totalEntries; index += 64) {
    const ents = Array.from({ length: 64 }, (_, i) => ({ term: 1, index: index + i, type: EntryType.Normal, data: payload }));
    storage.append(ents);
    if (storage.lastIndex() - storage.firstIndex() > 4096) storage.compact(storage.lastIndex() - 1024);
  }
  const seconds = (performance.now() - started) / 1000;
  return { name: "reference: MemoryStorage append only (64 per call)", entriesPerSecond: totalEntries / seconds, proposalsPerSecond: totalEntries / 64 / seconds, entries: totalEntries, seconds };
}

export function runRaftCoreBench(scale = 1): RaftCoreFigure[] {
  const payload = new Uint8Array(256).fill(7);
  const n = Math.max(1, Math.round(200_000 * scale));
  // Warm up the JIT so the first row is not penalised.
  measure("warm-up", 64, 1, Math.min(n, 20_000), payload);
  return [
    measure("1-entry proposals, one at a time", 1, 1, Math.round(n / 4), payload),
    measure("1-entry proposals, 64 outstanding", 1, 64, n, payload),
    measure("64-entry proposals, one at a time", 64, 1, n, payload),
    measureStorageOnly(n, payload),
  ];
}

export async function main(args: string[]): Promise<number> {
  const json = args.includes("--json");
  const scaleArg = args.find((a) => a.startsWith("--scale="));
  const figures = runRaftCoreBench(scaleArg === undefined ? 1 : Number(scaleArg.slice("--scale=".length)));
  if (json) {
    process.stdout.write(`${JSON.stringify({ bench: "raft-core", members: 3, payloadBytes: 256, figures })}\n`);
    return 0;
  }
  process.stdout.write("Raft core, 3 members in one process, zero latency, no disk, 256-byte entries\n\n");
  const width = Math.max(...figures.map((f) => f.name.length));
  process.stdout.write(`${"".padEnd(width)}  ${"entries/s".padStart(12)}  ${"proposals/s".padStart(12)}\n`);
  for (const f of figures) {
    process.stdout.write(`${f.name.padEnd(width)}  ${Math.round(f.entriesPerSecond).toLocaleString("en").padStart(12)}  ${Math.round(f.proposalsPerSecond).toLocaleString("en").padStart(12)}\n`);
  }
  return 0;
}

