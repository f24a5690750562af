import assert from "node:assert/strict";
import { test } from "node:test";
import { FakeClock } from "../clock.ts";
import { FakeApi } from "../fake-api.ts";
import { controllerRefOf } from "../owners.ts";
import { markReady, pod, replicaSet, settle } from "../test-support.ts";
import { ReplicaSetController, slowStartBatch } from "./replicaset-controller.ts";

function setup(): { clock: FakeClock; api: FakeApi; rsc: ReplicaSetController } {
  const clock = new FakeClock();
  const api = new FakeApi(clock);
  let seed = 1;
  const random = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  return { clock, api, rsc: new ReplicaSetController(api, { clock, random }) };
}

const owned = (api: FakeApi, rs: string): string[] =>
  api
    .storedList("pods")
    .filter((p) => controllerRefOf(p)?.name === rs)
    .map((p) => p.metadata!.name!)
    .sort();

test("scales up with owned pods named <rs>-<5 chars> and reports status", async () => {
  const { api, rsc, clock } = setup();
  api.seed("replicasets", replicaSet("web", 3));
  await settle([rsc]);
  const pods = owned(api, "web");
  assert.equal(pods.length, 3);
  for (const name of pods) assert.match(name, /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  const p = api.stored("pods", "default", pods[0]!)!;
  assert.deepEqual(p.metadata?.labels, { app: "web" });
  assert.equal(controllerRefOf(p)?.controller, true);
  assert.equal(controllerRefOf(p)?.kind, "ReplicaSet");
  for (const name of pods) markReady(api, clock, name);
  await settle([rsc]);
  const status = api.stored("replicasets", "default", "web")!.status!;
  assert.deepEqual([status.replicas, status.fullyLabeledReplicas, status.readyReplicas, status.availableReplicas, status.observedGeneration], [3, 3, 3, 3, 1]);
});

test("creates go in batches of 1, 2, 4 and stop at the first failing batch", async () => {
  const sizes: number[] = [];
  let inBatch = 0;
  let calls = 0;
  const result = await slowStartBatch(10, async () => {
    const n = ++calls;
    inBatch++;
    await Promise.resolve();
    if (inBatch > 0) sizes.push(inBatch);
    inBatch = 0;
    if (n === 5) throw new Error("quota");
  });
  assert.equal(calls, 7, "1 + 2 + 4: the batch with the failure finishes, no further batch starts");
  assert.deepEqual(sizes, [1, 2, 4]);
  assert.equal(result.successes, 6);
  assert.ok(result.error instanceof Error);
});

test("a failed create lowers expectations, reports ReplicaFailure and is retried", async () => {
  const { api, rsc } = setup();
  api.failCreates = 1;
  api.seed("replicasets", replicaSet("web", 4));
  const key = (await rsc.queue.get())!;
  await assert.rejects(rsc.sync(key));
  rsc.queue.done(key);
  assert.equal(owned(api, "web").length, 0);
  assert.equal(api.stored("replicasets", "default", "web")!.status?.conditions?.[0]?.reason, "FailedCreate");
  assert.ok(rsc.expectations.satisfied("default/web"));
  rsc.queue.add(key);
  await settle([rsc]);
  assert.equal(owned(api, "web").length, 4);
  assert.equal(api.stored("replicasets", "default", "web")!.status?.conditions, undefined);
});

test("expectations: a second sync before the creates are observed creates nothing", async () => {
  const { api, rsc } = setup();
  api.hold = true;
  api.seed("replicasets", replicaSet("web", 5));
  api.deliver();
  // Status writes from the lagging cache conflict (and would be retried); the creates are what matter here.
  const sync = (): Promise<unknown> => rsc.sync("default/web").catch(() => undefined);
  await sync();
  assert.equal(api.storedList("pods").length, 5);
  await sync();
  await sync();
  assert.equal(api.storedList("pods").length, 5, "no double create while the cache lags");
  api.deliver();
  assert.ok(rsc.expectations.satisfied("default/web"));
  await sync();
  assert.equal(api.storedList("pods").length, 5);
});

test("scale down deletes unassigned, then pending, then not ready, then the newest ready", async () => {
  const { api, rsc, clock } = setup();
  const rs = api.seed("replicasets", replicaSet("web", 5));
  const ref = { apiVersion: "apps/v1", kind: "ReplicaSet", name: "web", uid: rs.metadata!.uid!, controller: true };
  const mk = (name: string, nodeName: string | undefined, phase: string, readyAt?: number): void => {
    const p = pod(name, { app: "web" }, { spec: { containers: [{ name: "c", image: "demo:1" }], ...(nodeName ? { nodeName } : {}) } });
    p.metadata!.ownerReferences = [ref];
    p.status = { phase, conditions: readyAt === undefined ? [] : [{ type: "Ready", status: "True", lastTransitionTime: new Date(readyAt).toISOString() as unknown as Date }] };
    api.seed("pods", p);
    clock.advance(1000);
  };
  const t0 = clock.now();
  mk("old-ready", "n1", "Running", t0 - 100_000);
  mk("unassigned", undefined, "Pending");
  mk("new-ready", "n1", "Running", t0 - 10_000);
  mk("running-not-ready", "n1", "Running");
  mk("pending", "n1", "Pending");
  api.mutate("replicasets", "default", "web", (r) => (r.spec!.replicas = 1));
  await settle([rsc]);
  assert.deepEqual(
    api.actions.filter((a) => a.verb === "delete").map((a) => a.key),
    ["default/unassigned", "default/pending", "default/running-not-ready", "default/new-ready"],
  );
  assert.deepEqual(owned(api, "web"), ["old-ready"]);
});

test("adopts orphans matching the selector and releases pods that stop matching", async () => {
  const { api, rsc } = setup();
  api.seed("pods", pod("orphan", { app: "web" }));
  api.seed("pods", pod("stranger", { app: "other" }));
  api.seed("replicasets", replicaSet("web", 2));
  await settle([rsc]);
  const pods = owned(api, "web");
  assert.equal(pods.length, 2);
  assert.ok(pods.includes("orphan"), "the orphan was adopted, so only one pod was created");
  assert.equal(controllerRefOf(api.stored("pods", "default", "stranger")!), undefined);
  api.mutate("pods", "default", "orphan", (p) => (p.metadata!.labels = { app: "debug" }));
  await settle([rsc]);
  assert.equal(controllerRefOf(api.stored("pods", "default", "orphan")!), undefined, "released");
  assert.equal(owned(api, "web").length, 2, "and replaced");
});

test("availableReplicas waits minReadySeconds and the sync asks to look again", async () => {
  const { api, rsc, clock } = setup();
  const rs = replicaSet("web", 2);
  rs.spec!.minReadySeconds = 10;
  api.seed("replicasets", rs);
  await settle([rsc]);
  for (const name of owned(api, "web")) markReady(api, clock, name);
  const key = (await rsc.queue.get())!;
  const result = await rsc.sync(key);
  rsc.queue.done(key);
  assert.equal(result.requeueAfterMs, 10_000);
  let status = api.stored("replicasets", "default", "web")!.status!;
  assert.deepEqual([status.readyReplicas, status.availableReplicas], [2, 0]);
  clock.advance(10_000);
  await rsc.sync(key);
  status = api.stored("replicasets", "default", "web")!.status!;
  assert.equal(status.availableReplicas, 2);
});
