// The commands of the golden transcripts. Each takes the parsed command line,
// acts on the environment and returns what it printed.
import { ConfChangeType, type ConfChange } from "../conf-change.ts";
import { describeEntries } from "../describe.ts";
import { ReadOnlyOption } from "../read-only.ts";
import { MemoryStorage } from "../storage.ts";
import { StateType, type NodeId } from "../types.ts";
import type { Command } from "./datadriven.ts";
import { type InteractionEnv, type LogLevel, type NodeOptions } from "./env.ts";

const encoder = new TextEncoder();

function ids(c: Command, from = 0): NodeId[] {
  return c.args.slice(from).map((a) => {
    const id = Number(a);
    if (!Number.isInteger(id) || id <= 0) throw new Error(`line ${c.line}: bad node id "${a}"`);
    return id;
  });
}

function id(c: Command, position = 0): NodeId {
  const a = c.args[position];
  if (a === undefined) throw new Error(`line ${c.line}: ${c.name} needs a node id`);
  const v = Number(a);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`line ${c.line}: bad node id "${a}"`);
  return v;
}

function flag(c: Command, key: string, fallback: string): string {
  return c.kv.get(key)?.[0] ?? fallback;
}

function idList(c: Command, key: string): NodeId[] {
  return (c.kv.get(key) ?? []).map(Number);
}

function addNodes(env: InteractionEnv, c: Command): void {
  const count = id(c);
  const voters = idList(c, "voters");
  const learners = idList(c, "learners");
  const index = Number(flag(c, "index", "0"));
  const options: NodeOptions = {
    preVote: flag(c, "prevote", "false") === "true",
    checkQuorum: flag(c, "checkquorum", "false") === "true",
    readOnly: flag(c, "read-only", "safe") === "lease" ? ReadOnlyOption.LeaseBased : ReadOnlyOption.Safe,
    maxInflight: Number(flag(c, "max-inflight", "256")),
    maxSizePerMsg: Number(flag(c, "max-msg-size", String(1024 * 1024))),
  };
  const first = env.nodes.size + 1;
  for (let nid = first; nid < first + count; nid++) {
    const storage = new MemoryStorage();
    if (index > 0 || voters.length > 0) {
      // Bootstrap from a snapshot at `index` holding the initial configuration.
      storage.applySnapshot({
        data: new Uint8Array(0),
        metadata: { index: Math.max(index, 1), term: 1, confState: { voters, learners } },
      });
    }
    env.addNode(nid, storage, options, storage.snapshot().metadata.index);
  }
}

function parseConfChanges(c: Command): ConfChange[] {
  return c.args.slice(1).map((tok) => {
    const kind = tok[0];
    const nodeId = Number(tok.slice(1));
    const type =
      kind === "v" ? ConfChangeType.AddNode : kind === "l" ? ConfChangeType.AddLearnerNode : kind === "r" ? ConfChangeType.RemoveNode : undefined;
    if (type === undefined || !Number.isInteger(nodeId)) throw new Error(`line ${c.line}: bad conf change "${tok}" (want v2, l4 or r3)`);
    return { type, nodeId };
  });
}

function raftState(env: InteractionEnv): string {
  return env
    .ids()
    .map((nid) => {
      const n = env.nodes.get(nid)!;
      if (n.crashed) return `${nid}: crashed`;
      const r = n.raw.raft;
      // As in etcd: a member that is in neither list (removed, or not yet told) is a Non-Voter.
      const pr = r.trk.progress.get(nid);
      const role = pr === undefined ? "Non-Voter" : pr.isLearner ? "Learner" : "Voter";
      return `${nid}: State${StateType[r.state]} (${role}) Term:${r.term} Lead:${r.lead} Commit:${r.raftLog.committed} Applied:${r.raftLog.applied} LastIndex:${r.raftLog.lastIndex()}`;
    })
    .join("\n");
}

function status(env: InteractionEnv, nid: NodeId): string {
  const r = env.node(nid).raw.raft;
  if (r.state !== StateType.Leader) return `${nid} is not the leader (State${StateType[r.state]})`;
  const lines: string[] = [];
  r.trk.visit((pid, pr) => lines.push(`${pid}: ${pr.toString()}`));
  return lines.join("\n");
}

function logLevel(c: Command): LogLevel {
  const l = c.args[0] ?? "info";
  if (l !== "none" && l !== "warn" && l !== "info" && l !== "debug") throw new Error(`line ${c.line}: bad log level "${l}"`);
  return l;
}

/** Runs one command; the output is what it printed, then the error if it failed. */
export function runCommand(env: InteractionEnv, c: Command): string {
  let failure = "";
  try {
    execute(env, c);
  } catch (err) {
    failure = `error: ${err instanceof Error ? err.message : String(err)}`;
  }
  // Log lines written before a failure belong to this command too.
  return [env.take(), failure].filter((s) => s !== "").join("\n");
}

function execute(env: InteractionEnv, c: Command): void {
  switch (c.name) {
    case "log-level":
      env.level = logLevel(c);
      break;
    case "add-nodes":
      addNodes(env, c);
      break;
    case "campaign":
      env.node(id(c)).raw.campaign();
      break;
    case "propose":
      env.node(id(c)).raw.propose(encoder.encode(c.args[1] ?? ""));
      break;
    case "propose-conf-change":
      for (const cc of parseConfChanges(c)) env.node(id(c)).raw.proposeConfChange(cc);
      break;
    case "tick":
      for (let i = 0; i < Number(c.args[1] ?? "1"); i++) env.node(id(c)).raw.tick();
      break;
    case "tick-heartbeat":
      for (const nid of ids(c)) for (let i = 0; i < env.node(nid).raw.raft.heartbeatTimeout; i++) env.node(nid).raw.tick();
      break;
    case "tick-election":
      for (const nid of ids(c)) {
        const r = env.node(nid).raw.raft;
        const ticks = r.state === StateType.Leader ? r.electionTimeout : r.randomizedElectionTimeout;
        for (let i = 0; i < ticks; i++) env.node(nid).raw.tick();
      }
      break;
    case "set-randomized-election-timeout":
      env.node(id(c)).raw.raft.randomizedElectionTimeout = Number(flag(c, "timeout", "3"));
      break;
    case "process-ready":
      for (const nid of ids(c)) env.processReady(nid);
      break;
    case "deliver-msgs": {
      const drop = c.args[0] === "drop";
      const types = c.kv.has("type") ? new Set(c.kv.get("type")) : undefined;
      for (const nid of ids(c, drop ? 1 : 0)) env.deliver(nid, drop, types);
      break;
    }
    case "stabilize":
      env.stabilize(c.args.length > 0 ? ids(c) : env.ids());
      break;
    case "partition": {
      const groups = c.args.join(" ").split("|").map((g) => g.trim().split(/\s+/).map(Number));
      env.partition(groups);
      break;
    }
    case "heal":
      env.heal();
      break;
    case "crash":
      for (const nid of ids(c)) env.crash(nid);
      break;
    case "restart":
      for (const nid of ids(c)) env.restart(nid);
      break;
    case "compact": {
      const n = env.node(id(c));
      const index = Number(c.args[1]);
      n.storage.createSnapshot(index, n.raw.raft.trk.confState(), encoder.encode(`applied=${index}`));
      n.storage.compact(index);
      env.write(`${n.id} compacted log to ${index}; first index now ${n.storage.firstIndex()}`);
      break;
    }
    case "read-index":
      env.node(id(c)).raw.readIndex(encoder.encode(c.args[1] ?? ""));
      break;
    case "transfer-leadership":
      env.node(Number(flag(c, "from", "0"))).raw.transferLeader(Number(flag(c, "to", "0")));
      break;
    case "report-unreachable":
      env.node(id(c)).raw.reportUnreachable(id(c, 1));
      break;
    case "raft-state":
      env.write(raftState(env));
      break;
    case "raft-log": {
      const n = env.node(id(c));
      const ents = n.raw.raft.raftLog.allEntries();
      env.write(ents.length === 0 ? `log is empty: first index=${n.raw.raft.raftLog.firstIndex()}, last index=${n.raw.raft.raftLog.lastIndex()}` : describeEntries(ents));
      break;
    }
    case "status":
      env.write(status(env, id(c)));
      break;
    case "applied": {
      const n = env.node(id(c));
      const items = [...n.applied.entries()].sort((a, b) => a[0] - b[0]).map(([i, d]) => `${i}:${d}`);
      env.write(items.length === 0 ? "nothing applied" : items.join(" "));
      break;
    }
    default:
      throw new Error(`line ${c.line}: unknown command "${c.name}"`);
  }
}
