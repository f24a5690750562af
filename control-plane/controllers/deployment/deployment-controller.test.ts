import assert from "node:assert/strict";
import { test } from "node:test";
import type { V1Deployment } from "@kubernetes/client-node";
import { FakeClock } from "../clock.ts";
import { FakeApi } from "../fake-api.ts";
import { isReady } from "../replicaset/pod-state.ts";
import { ReplicaSetController } from "../replicaset/replicaset-controller.ts";
import { deployment, readyAll, settle } from "../test-support.ts";
import { DeploymentController } from "./deployment-controller.ts";

function setup(): { clock: FakeClock; api: FakeApi; all: [ReplicaSetController, DeploymentController] } {
  const clock = new FakeClock();
  const api = new FakeApi(clock);
  return { clock, api, all: [new ReplicaSetController(api, { clock }), new DeploymentController(api, clock)] };
}

const image = (api: FakeApi, name: string): string => api.stored("pods", "default", name)!.spec!.containers[0]!.image!;
const rsOf = (api: FakeApi): Record<string, [number, string]> =>
  Object.fromEntries(api.storedList("replicasets").map((rs) => [rs.spec!.template!.spec!.containers[0]!.image!, [rs.spec!.replicas!, rs.metadata!.annotations!["deployment.kubernetes.io/revision"]!]]));

function setImage(api: FakeApi, clock: FakeClock, img: string): void {
  clock.advance(1000);
  api.mutate("deployments", "default", "web", (d: V1Deployment) => (d.spec!.template!.spec!.containers[0]!.image = img));
}

/** Runs the controllers with a kubelet that readies pods every few syncs, checking the rollout bounds after each. */
async function rollOut(api: FakeApi, clock: FakeClock, all: [ReplicaSetController, DeploymentController], min: number, max: number): Promise<void> {
  let n = 0;
  await settle(all, () => {
    const pods = api.storedList("pods");
    assert.ok(pods.length <= max, `${pods.length} pods > ${max}`);
    assert.ok(pods.filter(isReady).length >= min, `${pods.filter(isReady).length} ready < ${min}`);
    if (++n % 3 === 0) readyAll(api, clock);
  });
  readyAll(api, clock);
  await settle(all);
}

test("a Deployment rolls over to a new template within maxSurge and maxUnavailable", async () => {
  const { api, clock, all } = setup();
  api.seed("deployments", deployment("web", 10));
  await rollOut(api, clock, all, 0, 13);
  const first = api.storedList("replicasets");
  assert.equal(first.length, 1);
  const hash = first[0]!.metadata!.labels!["pod-template-hash"]!;
  assert.equal(first[0]!.metadata!.name, `web-${hash}`);
  assert.equal(first[0]!.spec!.selector!.matchLabels!["pod-template-hash"], hash);
  let d = api.stored("deployments", "default", "web")!;
  assert.deepEqual([d.status!.replicas, d.status!.updatedReplicas, d.status!.readyReplicas, d.status!.availableReplicas, d.status!.unavailableReplicas], [10, 10, 10, 10, 0]);
  assert.equal(d.metadata!.annotations!["deployment.kubernetes.io/revision"], "1");

  setImage(api, clock, "demo:2");
  await rollOut(api, clock, all, 8, 13);
  assert.deepEqual(rsOf(api), { "demo:1": [0, "1"], "demo:2": [10, "2"] });
  assert.ok(api.storedList("pods").every((p) => image(api, p.metadata!.name!) === "demo:2"));
  d = api.stored("deployments", "default", "web")!;
  assert.equal(d.status!.observedGeneration, d.metadata!.generation);
  assert.deepEqual(
    d.status!.conditions!.map((c) => [c.type, c.status, c.reason]),
    [
      ["Available", "True", "MinimumReplicasAvailable"],
      ["Progressing", "True", "NewReplicaSetAvailable"],
    ],
  );

  // Rollback as kubectl does it: the old template comes back, and so does its ReplicaSet, as revision 3.
  setImage(api, clock, "demo:1");
  await rollOut(api, clock, all, 8, 13);
  assert.deepEqual(rsOf(api), { "demo:1": [10, "3"], "demo:2": [0, "2"] });
  assert.equal(api.stored("deployments", "default", "web")!.metadata!.annotations!["deployment.kubernetes.io/revision"], "3");
});

test("scaling a finished Deployment scales its ReplicaSet", async () => {
  const { api, clock, all } = setup();
  api.seed("deployments", deployment("web", 4));
  await rollOut(api, clock, all, 0, 5);
  api.mutate("deployments", "default", "web", (d) => (d.spec!.replicas = 2));
  await rollOut(api, clock, all, 0, 4);
  assert.equal(api.storedList("pods").length, 2);
  assert.equal(api.stored("deployments", "default", "web")!.status!.availableReplicas, 2);
});

test("Recreate removes every old pod before the first new one starts", async () => {
  const { api, clock, all } = setup();
  const d = deployment("web", 3);
  d.spec!.strategy = { type: "Recreate" };
  api.seed("deployments", d);
  await rollOut(api, clock, all, 0, 3);
  setImage(api, clock, "demo:2");
  await settle(all, () => {
    const images = new Set(api.storedList("pods").map((p) => image(api, p.metadata!.name!)));
    assert.ok(!(images.has("demo:1") && images.has("demo:2")), "old and new pods never coexist");
  });
  readyAll(api, clock);
  await settle(all);
  assert.deepEqual(rsOf(api), { "demo:1": [0, "1"], "demo:2": [3, "2"] });
});

test("revisionHistoryLimit keeps that many old ReplicaSets, deleting the oldest", async () => {
  const { api, clock, all } = setup();
  const d = deployment("web", 2);
  d.spec!.revisionHistoryLimit = 1;
  api.seed("deployments", d);
  await rollOut(api, clock, all, 0, 3);
  for (const img of ["demo:2", "demo:3"]) {
    setImage(api, clock, img);
    await rollOut(api, clock, all, 1, 3);
  }
  assert.deepEqual(rsOf(api), { "demo:2": [0, "2"], "demo:3": [2, "3"] });
});

test("a paused Deployment makes no new ReplicaSet but still scales, and resumes", async () => {
  const { api, clock, all } = setup();
  api.seed("deployments", deployment("web", 2));
  await rollOut(api, clock, all, 0, 3);
  api.mutate("deployments", "default", "web", (d) => (d.spec!.paused = true));
  setImage(api, clock, "demo:2");
  api.mutate("deployments", "default", "web", (d) => (d.spec!.replicas = 3));
  await rollOut(api, clock, all, 0, 4);
  assert.deepEqual(rsOf(api), { "demo:1": [3, "1"] });
  const progressing = api.stored("deployments", "default", "web")!.status!.conditions!.find((c) => c.type === "Progressing")!;
  assert.deepEqual([progressing.status, progressing.reason], ["Unknown", "DeploymentPaused"]);
  api.mutate("deployments", "default", "web", (d) => (d.spec!.paused = false));
  await rollOut(api, clock, all, 3, 4);
  assert.deepEqual(rsOf(api), { "demo:1": [0, "1"], "demo:2": [3, "2"] });
});

test("a rollout that makes no progress for progressDeadlineSeconds reports ProgressDeadlineExceeded", async () => {
  const { api, clock, all } = setup();
  const d = deployment("web", 2);
  d.spec!.progressDeadlineSeconds = 30;
  api.seed("deployments", d);
  await rollOut(api, clock, all, 0, 3);
  setImage(api, clock, "demo:2");
  await settle(all); // no kubelet: the new pods never become ready
  const progressing = (): [string, string] => {
    const c = api.stored("deployments", "default", "web")!.status!.conditions!.find((x) => x.type === "Progressing")!;
    return [c.status, c.reason!];
  };
  assert.deepEqual(progressing(), ["True", "ReplicaSetUpdated"]);
  const result = await all[1].sync("default/web");
  assert.ok(result.requeueAfterMs !== undefined && result.requeueAfterMs > 29_000, "asks to look again at the deadline");
  clock.advance(31_000);
  await all[1].sync("default/web");
  assert.deepEqual(progressing(), ["False", "ProgressDeadlineExceeded"]);
  readyAll(api, clock);
  all[1].queue.add("default/web");
  await settle(all, () => readyAll(api, clock));
  assert.deepEqual(progressing(), ["True", "NewReplicaSetAvailable"]);
});

test("replicas changed mid-rollout: shared among the ReplicaSets, then the rollout finishes at the new count", async () => {
  const { api, clock, all } = setup();
  api.seed("deployments", deployment("web", 10));
  await rollOut(api, clock, all, 0, 13);
  setImage(api, clock, "demo:2");
  await settle(all); // new pods not ready: the rollout is halfway, 8 old and 5 new
  assert.deepEqual(rsOf(api), { "demo:1": [8, "1"], "demo:2": [5, "2"] });
  api.mutate("deployments", "default", "web", (d) => (d.spec!.replicas = 20));
  await settle([all[1]]);
  assert.deepEqual(rsOf(api), { "demo:1": [15, "1"], "demo:2": [10, "2"] }, "12 more shared 8:5 (kube's proportional scaling)");
  await rollOut(api, clock, all, 0, 25);
  assert.deepEqual(rsOf(api), { "demo:1": [0, "1"], "demo:2": [20, "2"] });
  assert.equal(api.storedList("pods").length, 20);
});

test("a create that meets its own not-yet-seen ReplicaSet waits for the cache instead of counting a collision", async () => {
  const { api, all } = setup();
  api.seed("deployments", deployment("web", 2));
  api.hold = true;
  await all[1].sync("default/web");
  assert.equal(api.storedList("replicasets").length, 1);
  await assert.rejects(all[1].sync("default/web"), /already exists/);
  api.deliver();
  await all[1].sync("default/web").catch(() => undefined); // the status written from the lagging cache may conflict once
  api.hold = false;
  await settle(all);
  assert.equal(api.storedList("replicasets").length, 1);
  assert.equal(api.stored("deployments", "default", "web")!.status!.collisionCount, undefined);
});

test("a foreign ReplicaSet holding the name is a hash collision: collisionCount goes up and the next name differs", async () => {
  const { api, clock, all } = setup();
  api.seed("deployments", deployment("web", 2));
  // Learn the name the Deployment will use, then take it with an unrelated ReplicaSet.
  await all[1].sync("default/web");
  const name = api.storedList("replicasets")[0]!.metadata!.name!;
  await api.delete("replicasets", "default", name);
  api.seed("replicasets", { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name, namespace: "default" }, spec: { replicas: 0, selector: { matchLabels: { app: "other" } }, template: { metadata: { labels: { app: "other" } } } } });
  await all[1].sync("default/web").catch(() => undefined);
  assert.equal(api.stored("deployments", "default", "web")!.status!.collisionCount, 1);
  await rollOut(api, clock, all, 0, 3);
  const mine = api.storedList("replicasets").filter((rs) => rs.metadata!.name !== name);
  assert.equal(mine.length, 1);
  assert.equal(mine[0]!.spec!.replicas, 2);
});
