// Smoke test of `skiff bench api`: a skiff cluster only, 50 pods, 20
// watchers, short phases, with a CPU profile. It checks that every figure
// comes out and that every watcher saw every write, never how fast.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { type ApiBenchOptions, formatTable, parseArgs, quickOptions, runApiBench } from "./api.ts";

test("the API benchmark measures every figure against a skiff cluster", { timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "skiff-bench-api-test-"));
  try {
    const o: ApiBenchOptions = { ...quickOptions, kinds: ["skiff"], concurrency: 4, listConcurrency: 2, pods: 50, durationMs: 300, warmupMs: 100, watchers: 20, watchEvents: 3, cpuProfDir: dir, progress: () => {} };
    const figures = await runApiBench(o);
    const skiff = figures.skiff;
    assert.ok(skiff !== undefined);
    const positive = (what: string, v: number): void => assert.ok(Number.isFinite(v) && v > 0, `${what} is ${v}`);
    positive("creates/s", skiff.creates.opsPerSecond);
    assert.equal(skiff.creates.ops, 50);
    positive("gets/s", skiff.gets.opsPerSecond);
    positive("lists/s", skiff.lists.opsPerSecond);
    assert.equal(skiff.watch.delivered, 20 * 3);
    positive("watch delivery from the send", skiff.watch.fromSendP50Ms);
    assert.ok(skiff.profile !== undefined && skiff.profile.length > 0, "the apiserver's CPU profile was read");
    const table = formatTable(o, figures);
    assert.match(table, /lists\/s of 50 pods/);
    assert.match(table, /apiserver CPU profile on skiff/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the API benchmark's flags", () => {
  const o = parseArgs(["--quick", "--concurrency=8", "--only=etcd", "--watchers=10"]);
  assert.equal(o.concurrency, 8);
  assert.deepEqual(o.kinds, ["etcd"]);
  assert.equal(o.watchers, 10);
  assert.equal(o.durationMs, quickOptions.durationMs);
  assert.throws(() => parseArgs(["--concurrency=0"]), /positive integer/);
});
