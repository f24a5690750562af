// Smoke test of `skiff bench scheduler-core` at a small size: every workload
// binds every pod and reports positive figures. Never a timing threshold.
import assert from "node:assert/strict";
import { test } from "node:test";
import { formatTable, runWorkload, workloads } from "./scheduler-core.ts";

test("the scheduler core benchmark binds every pod of every workload and reports positive figures", async () => {
  const figures = [];
  for (const w of workloads) {
    const f = await runWorkload(w, 60, 300, 30);
    assert.equal(f.bound, 300, `${w}: every pod bound`);
    assert.ok(f.podsPerSecond > 0 && Number.isFinite(f.podsPerSecond), `${w}: ${f.podsPerSecond} pods/s`);
    figures.push(f);
  }
  assert.match(formatTable(figures), /anti-affinity/);
  assert.match(formatTable(figures), /680 pods\/s/);
});
