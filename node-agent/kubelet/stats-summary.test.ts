import assert from "node:assert/strict";
import { test } from "node:test";
import { usageOf } from "./stats-summary.ts";

test("CPU is the share of the system's time between the two samples, times the CPUs; memory is usage less inactive file pages", () => {
  const u = usageOf({
    read: "2026-01-01T00:00:01Z",
    cpu_stats: { cpu_usage: { total_usage: 1_250_000_000 }, system_cpu_usage: 12_000_000_000, online_cpus: 2 },
    precpu_stats: { cpu_usage: { total_usage: 1_000_000_000 }, system_cpu_usage: 10_000_000_000 },
    memory_stats: { usage: 50 * 1024 * 1024, stats: { inactive_file: 10 * 1024 * 1024 } },
  });
  // 0.25 s of CPU over 2 s of system time on 2 CPUs: a quarter of a core.
  assert.deepEqual(u, { time: "2026-01-01T00:00:01Z", usageNanoCores: 250_000_000, workingSetBytes: 40 * 1024 * 1024 });
  assert.equal(usageOf({ memory_stats: { usage: 100, stats: { total_inactive_file: 30 } } }).workingSetBytes, 70, "cgroup v1 names");
  assert.equal(usageOf({}).usageNanoCores, 0, "a first sample has no rate");
});
