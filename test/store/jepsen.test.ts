// A Jepsen-style test of the replicated store: concurrent clients run random
// get, put, delete and compare-and-swap operations on a few keys of a real
// 3-member skiff cluster while a nemesis kills (SIGKILL), pauses (SIGSTOP),
// restarts and partitions members; every run's history is checked for
// linearizability. Runs are short and many; each uses fresh keys, so its
// history starts from "absent".
//
// SKIFF_JEPSEN_SEED=<n> replays a seed (run i uses seed n+i);
// SKIFF_JEPSEN_RUNS=<n> changes the number of runs (default 20).
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { checkKvHistory } from "../linearizability/index.ts";
import { type FaultCluster, startFaultCluster } from "./fault-kit.ts";
import { type History, repairAll, runClient, runNemesis } from "./jepsen-kit.ts";

const runs = Number(process.env.SKIFF_JEPSEN_RUNS ?? 20);
const baseSeed = Number(process.env.SKIFF_JEPSEN_SEED ?? Math.floor(Math.random() * 2 ** 31));
const clients = 8;
const keysPerRun = 3;
const runMs = 3500;

let fc: FaultCluster;

before(async () => {
  console.log(`# jepsen: base seed ${baseSeed} (replay with SKIFF_JEPSEN_SEED=${baseSeed})`);
  fc = await startFaultCluster({ members: 3, heartbeatMs: 50, electionMs: 500, snapshotCount: 500 });
});

after(async () => {
  await fc?.stop();
});

test(`linearizable under kills, pauses and partitions (${runs} runs)`, async () => {
  let checked = 0;
  let unknown = 0;
  let completed = 0;
  for (let run = 0; run < runs; run++) {
    const seed = baseSeed + run;
    repairAll(fc);
    await fc.waitServing(undefined, 30_000);
    const keys = Array.from({ length: keysPerRun }, (_, k) => `jepsen/${seed}/${k}`);
    const history: History = { ops: [], unknown: 0, droppedReads: 0 };
    const until = performance.now() + runMs;
    const [faults] = await Promise.all([
      runNemesis(fc, seed * 7919 + 1, until - 300),
      ...Array.from({ length: clients }, (_, c) => runClient(fc, seed * 7919 + 2 + c, c, keys, until, history)),
    ]);
    const verdict = checkKvHistory(history.ops, { budgetMs: 30_000 });
    const ok = history.ops.filter((o) => o.output !== undefined).length;
    console.log(
      `# run ${run} seed ${seed}: ${verdict.outcome}, ${history.ops.length} operations (${ok} completed, ${history.unknown} writes of unknown outcome, ${history.droppedReads} failed reads dropped); nemesis: ${faults.join(", ") || "none"}`,
    );
    if (!verdict.ok) {
      const file = join(tmpdir(), `skiff-jepsen-${seed}.json`);
      writeFileSync(file, JSON.stringify(history.ops, (_, v: unknown) => (v === Infinity ? "Infinity" : v)));
      const what = verdict.outcome === "unknown" ? "could not be checked in time" : "is not linearizable";
      assert.fail(`run ${run} (seed ${seed}) ${what} (history in ${file}):\n${verdict.explanation}`);
    }
    checked += verdict.operations;
    unknown += history.unknown;
    completed += ok;
  }
  repairAll(fc);
  await fc.waitServing(undefined, 30_000);
  // Liveness after the chaos: the healed cluster still takes writes.
  await fc.client("m1").put("jepsen/after", "ok", 5000);
  assert.ok(completed >= runs * 100, `enough operations completed to mean something (${completed})`);
  console.log(`# jepsen: ${runs} runs, ${checked} operations checked (${completed} completed, ${unknown} unknown), 0 violations; base seed ${baseSeed}`);
});
