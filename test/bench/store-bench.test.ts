// Smoke test of `skiff bench store`: the quick mode against a skiff cluster
// only, with tiny phases. It checks that every figure comes out as a positive
// number, never how large: timing thresholds do not belong in tests.
import assert from "node:assert/strict";
import { test } from "node:test";
import { formatTable, quickOptions, runStoreBench, type StoreBenchOptions } from "./store.ts";

test("the store benchmark measures every figure against a skiff cluster", { timeout: 180_000 }, async () => {
  const o: StoreBenchOptions = {
    ...quickOptions,
    kinds: ["skiff"],
    durationMs: 300,
    warmupMs: 100,
    writeClients: [1, 16],
    readClients: 16,
    watchers: 20,
    watchStreams: 2,
    watchEvents: 5,
    kills: 1,
    progress: () => {},
  };
  const figures = await runStoreBench(o);
  const skiff = figures.skiff;
  assert.ok(skiff !== undefined);
  const positive = (what: string, v: number): void => assert.ok(Number.isFinite(v) && v > 0, `${what} is ${v}`);
  for (const c of o.writeClients) {
    const w = skiff.writes[String(c)]!;
    positive(`writes/s at ${c} clients`, w.opsPerSecond);
    positive(`p50 at ${c} clients`, w.p50Ms);
    positive(`p99 at ${c} clients`, w.p99Ms);
    positive(`members' CPU per write at ${c} clients`, w.cpuUsPerWrite);
  }
  positive("linearizable reads/s", skiff.linearizableReads.opsPerSecond);
  positive("serializable reads/s", skiff.serializableReads.opsPerSecond);
  positive("watch events/s", skiff.watch.eventsPerSecond);
  assert.equal(skiff.watch.delivered, skiff.watch.expected);
  assert.equal(skiff.failover.samplesMs.length, 1);
  positive("failover p50", skiff.failover.p50Ms);
  assert.match(formatTable(o, figures), /writes\/s, 16 clients/);
});
