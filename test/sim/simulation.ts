// One deterministic run: a cluster of simulated members, clients and a nemesis
// on one seeded event loop. Chaos first (safety is checked on every step),
// then the network heals and every member restarts, and the cluster must
// elect a leader and commit a new entry within a bounded time (liveness).
import { checkKvHistory, type CheckResult, type KvOperation } from "@skiff/test/linearizability";
import { describeMessage, type Entry, type NodeId, StateType } from "@skiff/control-plane/raft";
import { bugVariant, type BugName } from "./bugs.ts";
import { SimClient } from "./clients.ts";
import { SimDisk } from "./disk.ts";
import { EventQueue } from "./event-queue.ts";
import { SimHost, type HostEnv } from "./host.ts";
import { SafetyMonitor } from "./invariants.ts";
import { Nemesis } from "./nemesis.ts";
import { calmNetwork, SimNetwork } from "./network.ts";
import { Prng } from "./prng.ts";

export interface SimOptions {
  seed: number;
  /** Cluster size; defaults to 3 or 5 chosen by the seed. */
  members?: number;
  /** Events processed in the chaos phase. */
  steps?: number;
  bug?: BugName;
  /** Print a readable trace of nemesis actions, elections and faults. */
  trace?: (line: string) => void;
  /** Also trace every message. */
  traceMessages?: boolean;
  /** Allow membership changes in the nemesis (on by default). */
  membership?: boolean;
  /** Check client histories for linearizability (on by default). */
  checkLinearizability?: boolean;
}

export interface SimResult {
  seed: number;
  members: number;
  violations: string[];
  live: boolean;
  /** Simulated milliseconds from healing to a new entry applied everywhere. */
  recoveryMs: number;
  simulatedMs: number;
  steps: number;
  committed: number;
  operations: number;
  linearizability: CheckResult | undefined;
}

const tickMs = 10;
const electionTick = 10;
const livenessBudgetMs = 10_000;

export function runSimulation(options: SimOptions): SimResult {
  const prng = new Prng(options.seed);
  const netPrng = prng.fork();
  const hostPrng = prng.fork();
  const clientPrng = prng.fork();
  const nemesisPrng = prng.fork();
  const queue = new EventQueue();
  const members = options.members ?? (prng.chance(0.5) ? 3 : 5);
  const steps = options.steps ?? 4000;
  const trace = options.trace ?? (() => {});
  const stamp = (line: string): void => trace(`${queue.now.toFixed(1).padStart(8)}ms  ${line}`);
  const monitor = new SafetyMonitor(() => queue.now);
  const bug = bugVariant(options.bug);
  const hosts = new Map<NodeId, SimHost>();
  const probesApplied = new Map<string, Set<NodeId>>();

  const network = new SimNetwork(
    queue,
    netPrng,
    (m) => {
      if (options.traceMessages === true) stamp(describeMessage(m));
      hosts.get(m.to)?.receive(m);
    },
    (m, ok) => hosts.get(m.from)?.reportSnapshot(m.to, ok),
  );

  const env: HostEnv = {
    queue,
    prng: hostPrng,
    monitor,
    send: (m) => network.send(m),
    trace: stamp,
    sendBeforeFsync: bug.sendBeforeFsync,
    snapshotEvery: 20 + prng.int(60),
    maxSizePerMsg: prng.chance(0.7) ? 1 : 4096,
    maxInflightMsgs: prng.pick([1, 4, 16, 256]),
    onApplied: (id: NodeId, e: Entry) => {
      const text = new TextDecoder().decode(e.data);
      if (text.startsWith("probe:")) {
        const set = probesApplied.get(text) ?? new Set();
        set.add(id);
        probesApplied.set(text, set);
      }
    },
    onRemoved: (id) => stamp(`member ${id} left`),
    onLeader: (id) => nemesis?.leaderElected(id),
    onLeaderCommit: (id) => nemesis?.leaderCommitted(id),
  };
  let nemesis: Nemesis | undefined = undefined;
  if (bug.makeRaft !== undefined) env.makeRaft = bug.makeRaft;

  const addHost = (id: NodeId, bootstrap: NodeId[] | undefined): SimHost => {
    const disk = new SimDisk();
    if (bootstrap !== undefined) {
      disk.bootstrap({ data: new Uint8Array(0), metadata: { index: 1, term: 1, confState: { voters: bootstrap, learners: [] } } });
    }
    const host = new SimHost(id, disk, env, electionTick);
    hosts.set(id, host);
    // Each member's clock runs at its own slightly different rate.
    const period = tickMs * hostPrng.range(0.95, 1.05);
    const tick = (): void => {
      host.tick();
      if (!host.removed) queue.schedule(period, tick);
    };
    queue.schedule(hostPrng.range(0, tickMs), tick);
    return host;
  };

  const initial = Array.from({ length: members }, (_, i) => i + 1);
  for (const id of initial) addHost(id, initial);

  const clients = Array.from({ length: 3 + prng.int(3) }, (_, i) =>
    new SimClient(i + 1, {
      queue,
      prng: clientPrng,
      members: () => [...hosts.values()].filter((h) => !h.removed).map((h) => h.id),
      deliver: (member, req) => queue.schedule(clientPrng.range(0.5, 3), () => hosts.get(member)?.submit(req)),
      trace: stamp,
    }),
  );
  for (const c of clients) c.start();

  nemesis = new Nemesis({
    queue,
    prng: nemesisPrng,
    network,
    hosts,
    trace: stamp,
    membership: options.membership ?? true,
    addMember: (id) => addHost(id, undefined),
  });
  nemesis.start();

  // Chaos: safety is checked as each event runs. An exception thrown by the
  // core (e.g. a log it cannot reconcile) is a finding, not a crash of the run.
  let step = 0;
  const runStep = (): boolean => {
    try {
      return queue.step();
    } catch (err) {
      monitor.violations.push(`t=${queue.now.toFixed(1)}ms exception: ${err instanceof Error ? err.message : String(err)}`);
      return false;
    }
  };
  while (step < steps && runStep()) {
    step++;
    if (monitor.violations.length > 0) break;
  }
  nemesis.stop();
  for (const c of clients) c.stop();

  // Heal: full connectivity, calm network, every member back up.
  const healedAt = queue.now;
  network.heal();
  network.faults = calmNetwork;
  for (const h of hosts.values()) h.restart();
  stamp(`healed; live members ${[...hosts.values()].filter((h) => h.alive).map((h) => h.id).join(",")}`);

  let live = false;
  let probe = 0;
  let probeText = "";
  let nextProbeAt = queue.now;
  while (monitor.violations.length === 0 && queue.now - healedAt < livenessBudgetMs && runStep()) {
    step++;
    const alive = [...hosts.values()].filter((h) => h.alive);
    const leader = alive.find((h) => h.raft.state === StateType.Leader);
    // Members of the leader's configuration must all have applied the probe.
    const config = leader === undefined ? [] : [...leader.raft.trk.progress.keys()];
    const mustApply = alive.filter((h) => config.includes(h.id));
    if (probeText !== "" && leader !== undefined && mustApply.every((h) => probesApplied.get(probeText)?.has(h.id) === true)) {
      live = true;
      break;
    }
    if (queue.now >= nextProbeAt) {
      // Propose a fresh marker through whoever leads now; retry until one lands everywhere.
      nextProbeAt = queue.now + 200;
      if (leader !== undefined) {
        const text = `probe:${++probe}`;
        if (leader.proposeMarker(text)) probeText = text;
      }
    }
  }
  const recoveryMs = queue.now - healedAt;
  if (monitor.violations.length === 0 && !live) {
    const states = [...hosts.values()]
      .map((h) => `${h.id}:${h.alive ? StateType[h.raft.state] : "down"}/t${h.raft.term}/c${h.raft.raftLog.committed}`)
      .join(" ");
    monitor.violations.push(`liveness: no new entry applied on every live member within ${livenessBudgetMs}ms of healing [${states}]`);
  }
  const finalLeader = [...hosts.values()].find((h) => h.alive && h.raft.state === StateType.Leader);
  const finalConfig = finalLeader === undefined ? [] : [...finalLeader.raft.trk.progress.keys()];
  for (const h of hosts.values()) {
    if (h.alive && finalConfig.includes(h.id)) monitor.checkNothingLost(h.id, h.raft.raftLog, h === finalLeader);
  }

  for (const c of clients) c.flush();
  const history: KvOperation[] = clients.flatMap((c) => c.history);
  let linearizability: CheckResult | undefined;
  if (options.checkLinearizability !== false && monitor.violations.length === 0) {
    linearizability = checkKvHistory(history, { budgetMs: 10_000 });
    if (linearizability.outcome === "illegal") monitor.violations.push(`linearizability: ${linearizability.explanation}`);
  }
  return {
    seed: options.seed,
    members,
    violations: monitor.violations,
    live,
    recoveryMs,
    simulatedMs: queue.now,
    steps: step,
    committed: monitor.highestCommitted(),
    operations: history.length,
    linearizability,
  };
}

