// A small run of `skiff bench scheduling`'s full path (10 hollow nodes, 5
// existing and 30 measured pods, real apiserver, store and scheduler
// processes), so that the benchmark keeps working: every pod is bound and
// the figures are filled in. No timing is asserted.
import assert from "node:assert/strict";
import { test } from "node:test";
import { formatTable } from "./scheduling.ts";
import { runFullPath } from "./scheduling-run.ts";

test("the full path binds every pod and reports rate, latency and CPU per process", async () => {
  const progress: number[] = [];
  const f = await runFullPath("taints", 10, 30, 5, { createConcurrency: 8, store: "skiff", kubelets: true, progress: (bound) => progress.push(bound) });
  assert.equal(f.bound, 30);
  assert.ok(f.podsPerSecond > 0 && f.seconds > 0);
  assert.ok(f.latencyMs.p50 > 0 && f.latencyMs.p99 >= f.latencyMs.p50);
  // /proc counts CPU in 10 ms ticks: a process of this small run may show 0, all of them together not.
  assert.deepEqual(Object.keys(f.cpuSeconds).slice(0, 2), ["apiserver", "scheduler"]);
  assert.ok(Object.values(f.cpuSeconds).reduce((a, b) => a + b, 0) > 0, JSON.stringify(f.cpuSeconds));
  assert.equal(progress.at(-1), 30);
  const table = formatTable([f], []);
  assert.match(table, /^taints\s+full\s+\d+/m);
  assert.match(table, /680 pods\/s at 5,000 nodes \/ 10,000 pods/);
});
