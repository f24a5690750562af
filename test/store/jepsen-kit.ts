// The moving parts of the Jepsen-style store test: clients that run random
// get, put, delete and compare-and-swap operations on a few keys and record
// each one with its call and return times, and a nemesis that kills,
// pauses, restarts and partitions members. Both draw from seeded PRNGs, so
// a run's operations and fault schedule follow from its seed.
import type { KvInput, KvOperation } from "../linearizability/index.ts";
import { Prng } from "../sim/prng.ts";
import type { MemberProcess } from "../support/store-cluster.ts";
import { type FaultCluster, sleep } from "./fault-kit.ts";

export interface History {
  ops: KvOperation[];
  /** Writes whose outcome the client could not learn (timeout, lost connection). */
  unknown: number;
  /** Reads that failed: they constrain nothing and are left out. */
  droppedReads: number;
}

const opTimeoutMs = 1000;

/**
 * One client: random operations on `keys` until `until` (performance.now()),
 * through one member at a time, moving to the next member when a call fails,
 * as a client configured with every endpoint would.
 */
export async function runClient(fc: FaultCluster, seed: number, clientId: number, keys: readonly string[], until: number, history: History): Promise<void> {
  const prng = new Prng(seed);
  const members = fc.cluster.members;
  let member = clientId % members.length;
  const lastSeen = new Map<string, string | null>();
  let failures = 0;
  for (let n = 0; performance.now() < until; n++) {
    const key = prng.pick(keys);
    const value = `c${clientId}-${n}`;
    const r = prng.next();
    const input: KvInput =
      r < 0.4
        ? { op: "get" }
        : r < 0.65
          ? { op: "put", value }
          : r < 0.75
            ? { op: "delete" }
            : { op: "cas", expected: prng.chance(0.2) ? null : (lastSeen.get(key) ?? null), value };
    const m = members[member]!;
    if (m.proc === undefined) {
      // Never sent, so it cannot have taken effect: not part of the history.
      member = (member + 1) % members.length;
      await sleep(10);
      continue;
    }
    const client = fc.client(m);
    const call = performance.now();
    try {
      let output: KvOperation["output"];
      switch (input.op) {
        case "get": {
          const got = await client.get(key, { timeoutMs: opTimeoutMs });
          output = { value: got.value };
          lastSeen.set(key, got.value);
          break;
        }
        case "put":
          await client.put(key, input.value, opTimeoutMs);
          output = { ok: true };
          lastSeen.set(key, input.value);
          break;
        case "delete":
          await client.delete(key, opTimeoutMs);
          output = { ok: true };
          lastSeen.set(key, null);
          break;
        case "cas": {
          const ok = await client.cas(key, input.expected, input.value, opTimeoutMs);
          output = { ok };
          if (ok) lastSeen.set(key, input.value);
          break;
        }
      }
      history.ops.push({ clientId, key, input, output, call, return: performance.now() });
      failures = 0;
    } catch {
      if (input.op === "get") history.droppedReads++;
      else {
        history.unknown++;
        history.ops.push({ clientId, key, input, output: undefined, call, return: Infinity });
      }
      member = (member + 1) % members.length;
      // Back off while nothing answers (every member down or without a leader).
      failures++;
      await sleep(prng.range(0.5, 1) * Math.min(200, 5 * 2 ** failures));
    }
  }
}

export type FaultKind = "kill-leader" | "kill-random" | "kill-all" | "pause-leader" | "partition-leader" | "partition-random";

const faultKinds: readonly FaultKind[] = ["kill-leader", "kill-random", "pause-leader", "partition-leader", "partition-random", "kill-leader", "partition-leader", "kill-all"];

/**
 * Injects one fault at a time until `until`: waits a little, breaks
 * something, holds it, repairs it. Returns what it did, for the run's log line.
 */
export async function runNemesis(fc: FaultCluster, seed: number, until: number): Promise<string[]> {
  const prng = new Prng(seed);
  const done: string[] = [];
  const live = (): MemberProcess[] => fc.cluster.members.filter((m) => m.proc !== undefined);
  while (performance.now() < until) {
    await sleep(prng.range(150, 600));
    if (performance.now() >= until) break;
    const kind = prng.pick(faultKinds);
    const hold = prng.range(300, 1300);
    const pickAny = prng.pick(fc.cluster.members);
    const target = kind.endsWith("leader") ? ((await fc.leader()) ?? pickAny) : pickAny;
    const started = performance.now();
    switch (kind) {
      case "kill-leader":
      case "kill-random":
        await fc.cluster.kill(target.name);
        await sleep(hold);
        fc.cluster.restart(target.name);
        break;
      case "kill-all": {
        const killed = live();
        await Promise.all(killed.map((m) => fc.cluster.kill(m.name)));
        await sleep(hold / 2);
        for (const m of killed) fc.cluster.restart(m.name);
        break;
      }
      case "pause-leader":
        target.proc?.kill("SIGSTOP");
        await sleep(hold);
        target.proc?.kill("SIGCONT");
        break;
      case "partition-leader":
      case "partition-random":
        fc.partitions.isolate([target]);
        await sleep(hold);
        fc.partitions.heal();
        break;
    }
    done.push(`${kind}${kind === "kill-all" ? "" : ` ${target.name}`} ${(performance.now() - started).toFixed(0)}ms`);
  }
  return done;
}

/** Undoes whatever a failed run may have left: every member running, not paused, not cut off. */
export function repairAll(fc: FaultCluster): void {
  fc.partitions.heal();
  for (const m of fc.cluster.members) {
    if (m.proc === undefined) fc.cluster.restart(m.name);
    else m.proc.kill("SIGCONT");
  }
}
