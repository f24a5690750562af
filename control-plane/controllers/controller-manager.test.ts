import assert from "node:assert/strict";
import { test } from "node:test";
import { silentLogger } from "../logger.ts";
import { FakeClock } from "./clock.ts";
import { ControllerLoop, type Reconciler } from "./controller-loop.ts";
import { ControllerManager, type LeaderGate } from "./controller-manager.ts";
import { FakeApi } from "./fake-api.ts";
import { deployment } from "./test-support.ts";
import { sample } from "../../test/support/metrics.ts";
import { WorkQueue } from "./work-queue.ts";

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test("a failing sync is retried with backoff; requeueAfter brings a key back; success forgets failures", async () => {
  const clock = new FakeClock();
  const calls: string[] = [];
  let failures = 2;
  const r: Reconciler = {
    name: "test",
    queue: new WorkQueue(clock, { baseMs: 100, maxMs: 10_000 }),
    async sync(key) {
      calls.push(`${clock.now()} ${key}`);
      if (failures-- > 0) throw new Error("not yet");
      return key === "ns/a" ? { requeueAfterMs: 5000 } : {};
    },
  };
  const loop = new ControllerLoop(r, silentLogger);
  loop.run(2);
  const t0 = clock.now();
  r.queue.add("ns/a");
  await tick();
  clock.advance(100);
  await tick();
  clock.advance(200);
  await tick();
  assert.equal(r.queue.numRequeues("ns/a"), 0, "forgotten after success");
  clock.advance(5000);
  await tick();
  assert.deepEqual(calls, [`${t0} ns/a`, `${t0 + 100} ns/a`, `${t0 + 300} ns/a`, `${t0 + 5300} ns/a`]);
  await loop.stop();
});

test("controllers act only once the leader gate lets them lead, and stop with it", async () => {
  const clock = new FakeClock();
  const api = new FakeApi(clock);
  let grant!: () => void;
  let stopped = false;
  const granted = new Promise<void>((r) => (grant = r));
  const gate: LeaderGate = {
    async run(lead) {
      await granted;
      if (stopped) return;
      const lost = new AbortController();
      await lead(lost.signal);
    },
    async stop() {
      stopped = true;
      grant();
    },
  };
  const manager = new ControllerManager(api, silentLogger, { clock, gate, workers: 1 });
  api.seed("deployments", deployment("web", 2));
  const starting = manager.start();
  await tick();
  assert.equal(api.actions.length, 0, "a standby writes nothing");
  // Leadership: the queued work runs (the keys were queued by the cache events meanwhile).
  grant();
  await starting;
  for (let i = 0; i < 50 && api.storedList("pods").length < 2; i++) await tick();
  assert.equal(api.storedList("replicasets").length, 1);
  assert.equal(api.storedList("pods").length, 2);
  await manager.stop();
});

test("losing leadership stops the controllers", async () => {
  const clock = new FakeClock();
  const api = new FakeApi(clock);
  const lost = new AbortController();
  const gate: LeaderGate = { run: (lead) => lead(lost.signal), stop: async () => lost.abort() };
  const manager = new ControllerManager(api, silentLogger, { clock, gate, workers: 1 });
  await manager.start();
  lost.abort();
  await manager.done();
  api.seed("deployments", deployment("web", 2));
  for (let i = 0; i < 20; i++) await tick();
  assert.equal(api.actions.length, 0, "no writes after leadership is lost");
  await manager.stop();
});

test("client-go's workqueue metrics count each controller's adds, waits and work", async () => {
  const clock = new FakeClock();
  const api = new FakeApi(clock);
  const manager = new ControllerManager(api, silentLogger, { clock, workers: 1 });
  api.seed("deployments", deployment("web", 2));
  await manager.start();
  for (let i = 0; i < 50 && api.storedList("pods").length < 2; i++) await tick();
  assert.equal(api.storedList("pods").length, 2);
  const text = await manager.metrics.registry.metrics();
  for (const name of ["deployment", "replicaset"]) {
    assert.ok(sample(text, "workqueue_adds_total", { name }) >= 1, `${name}\n${text}`);
    assert.ok(sample(text, "workqueue_queue_duration_seconds_count", { name }) >= 1, `${name}\n${text}`);
    assert.ok(sample(text, "workqueue_work_duration_seconds_count", { name }) >= 1, `${name}\n${text}`);
    assert.ok(sample(text, "workqueue_depth", { name }) >= 0, `${name}\n${text}`);
  }
  assert.equal(sample(text, "workqueue_adds_total", { name: "endpoints" }), 0, text);
  await manager.stop();
});
