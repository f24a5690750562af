import assert from "node:assert/strict";
import { test } from "node:test";
import type { V1StatefulSet } from "@kubernetes/client-node";
import { FakeClock } from "../clock.ts";
import { FakeApi } from "../fake-api.ts";
import { revisionHashLabel } from "../revision-hash.ts";
import { markReady, settle } from "../test-support.ts";
import { podNameLabel } from "./stateful-pods.ts";
import { StatefulSetController } from "./statefulset-controller.ts";

function setup(): { clock: FakeClock; api: FakeApi; ssc: StatefulSetController } {
  const clock = new FakeClock();
  const api = new FakeApi(clock);
  return { clock, api, ssc: new StatefulSetController(api, { clock }) };
}

function statefulSet(name: string, replicas: number, extra: { policy?: "OrderedReady" | "Parallel"; partition?: number; image?: string } = {}): V1StatefulSet {
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name, namespace: "default" },
    spec: {
      replicas,
      serviceName: name,
      podManagementPolicy: extra.policy ?? "OrderedReady",
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: extra.image ?? "demo:1" }] } },
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: extra.partition ?? 0 } },
      revisionHistoryLimit: 10,
    },
  };
}

const names = (api: FakeApi): string[] =>
  api
    .storedList("pods")
    .map((p) => p.metadata!.name!)
    .sort();

/** Settles, then marks every pod that is not yet Running as Running and Ready, until nothing changes; returns the creation order. */
async function runKubelet(api: FakeApi, clock: FakeClock, ssc: StatefulSetController): Promise<string[]> {
  const created: string[] = [];
  for (let round = 0; round < 50; round++) {
    const before = api.actions.length;
    await settle([ssc]);
    for (const a of api.actions.slice(before)) if (a.verb === "create" && a.kind === "pods") created.push(a.key.split("/")[1]!);
    const pending = api.storedList("pods").filter((p) => p.status?.phase !== "Running");
    if (pending.length === 0 && api.actions.length === before) return created;
    for (const p of pending) markReady(api, clock, p.metadata!.name!);
  }
  throw new Error("did not settle");
}

test("OrderedReady: <set>-0 first; ordinal i only after 0..i-1 are Running and Ready; identity fields set", async () => {
  const { api, ssc, clock } = setup();
  api.seed("statefulsets", statefulSet("db", 3));
  await settle([ssc]);
  assert.deepEqual(names(api), ["db-0"], "only the first pod until it is ready");
  await settle([ssc]);
  assert.deepEqual(names(api), ["db-0"]);
  markReady(api, clock, "db-0");
  await settle([ssc]);
  assert.deepEqual(names(api), ["db-0", "db-1"]);
  api.mutate("pods", "default", "db-1", (p) => (p.status = { phase: "Running", conditions: [{ type: "Ready", status: "False" }] }));
  await settle([ssc]);
  assert.deepEqual(names(api), ["db-0", "db-1"], "a Running but unready pod holds the next one back");
  markReady(api, clock, "db-1");
  await settle([ssc]);
  assert.deepEqual(names(api), ["db-0", "db-1", "db-2"]);
  const pod = api.stored("pods", "default", "db-2")!;
  assert.equal(pod.spec?.hostname, "db-2");
  assert.equal(pod.spec?.subdomain, "db");
  assert.equal(pod.metadata?.labels?.[podNameLabel], "db-2");
  assert.equal(pod.metadata?.ownerReferences?.[0]?.kind, "StatefulSet");
  markReady(api, clock, "db-2");
  await settle([ssc]);
  const s = api.stored("statefulsets", "default", "db")!.status!;
  assert.deepEqual([s.replicas, s.readyReplicas, s.currentReplicas, s.updatedReplicas, s.observedGeneration], [3, 3, 3, 3, 1]);
  assert.equal(s.currentRevision, s.updateRevision);
  assert.equal(s.currentRevision, pod.metadata?.labels?.[revisionHashLabel]);
  assert.match(s.updateRevision!, /^db-[a-z0-9]+$/);
});

test("OrderedReady scale-down removes the highest ordinal first, one at a time, and waits for the others to be Ready", async () => {
  const { api, ssc, clock } = setup();
  api.seed("statefulsets", statefulSet("db", 4));
  assert.deepEqual(await runKubelet(api, clock, ssc), ["db-0", "db-1", "db-2", "db-3"]);
  api.hold = true; // the deletions stay unseen: the next sync must not delete a second pod
  const set = api.stored("statefulsets", "default", "db")!;
  set.spec!.replicas = 1;
  await api.update("statefulsets", set);
  api.deliver();
  await settle([ssc]);
  const deletes = (): string[] => api.actions.filter((a) => a.verb === "delete").map((a) => a.key.split("/")[1]!);
  assert.deepEqual(deletes(), ["db-3"]);
  api.deliver();
  // db-1 not ready: db-2 stays until it is.
  api.mutate("pods", "default", "db-1", (p) => (p.status = { phase: "Running", conditions: [{ type: "Ready", status: "False" }] }));
  api.deliver();
  await settle([ssc]);
  assert.deepEqual(deletes(), ["db-3"]);
  markReady(api, clock, "db-1");
  api.deliver();
  await settle([ssc]);
  api.deliver();
  await settle([ssc]);
  api.deliver();
  await settle([ssc]);
  assert.deepEqual(deletes(), ["db-3", "db-2", "db-1"]);
  assert.deepEqual(names(api), ["db-0"]);
});

test("Parallel creates and deletes all at once", async () => {
  const { api, ssc } = setup();
  api.seed("statefulsets", statefulSet("web", 3, { policy: "Parallel" }));
  await settle([ssc]);
  assert.deepEqual(names(api), ["web-0", "web-1", "web-2"]);
  const set = api.stored("statefulsets", "default", "web")!;
  set.spec!.replicas = 0;
  await api.update("statefulsets", set);
  await settle([ssc]);
  assert.deepEqual(names(api), []);
});

test("rolling update goes in reverse ordinal order, one Ready pod at a time, and completes the revision", async () => {
  const { api, ssc, clock } = setup();
  api.seed("statefulsets", statefulSet("db", 3));
  await runKubelet(api, clock, ssc);
  const set = api.stored("statefulsets", "default", "db")!;
  const oldRevision = set.status!.currentRevision;
  set.spec!.template.spec!.containers[0]!.image = "demo:2";
  await api.update("statefulsets", set);
  const deleted: string[] = [];
  const before = api.actions.length;
  await runKubelet(api, clock, ssc);
  for (const a of api.actions.slice(before)) if (a.verb === "delete") deleted.push(a.key.split("/")[1]!);
  assert.deepEqual(deleted, ["db-2", "db-1", "db-0"]);
  for (const p of api.storedList("pods")) assert.equal(p.spec?.containers[0]?.image, "demo:2");
  const s = api.stored("statefulsets", "default", "db")!.status!;
  assert.notEqual(s.updateRevision, oldRevision);
  assert.equal(s.currentRevision, s.updateRevision);
  assert.deepEqual([s.updatedReplicas, s.currentReplicas, s.readyReplicas, s.observedGeneration], [3, 3, 3, 2]);
});

test("partition: pods below it keep the old revision, even when deleted and recreated", async () => {
  const { api, ssc, clock } = setup();
  api.seed("statefulsets", statefulSet("db", 4));
  await runKubelet(api, clock, ssc);
  const set = api.stored("statefulsets", "default", "db")!;
  set.spec!.template.spec!.containers[0]!.image = "demo:2";
  set.spec!.updateStrategy = { type: "RollingUpdate", rollingUpdate: { partition: 2 } };
  await api.update("statefulsets", set);
  await runKubelet(api, clock, ssc);
  const image = (n: string): string | undefined => api.stored("pods", "default", n)?.spec?.containers[0]?.image;
  assert.deepEqual(["db-0", "db-1", "db-2", "db-3"].map(image), ["demo:1", "demo:1", "demo:2", "demo:2"]);
  let s = api.stored("statefulsets", "default", "db")!.status!;
  assert.deepEqual([s.updatedReplicas, s.currentReplicas], [2, 2]);
  assert.notEqual(s.currentRevision, s.updateRevision);
  await api.delete("pods", "default", "db-0");
  await runKubelet(api, clock, ssc);
  assert.equal(image("db-0"), "demo:1", "recreated at the current revision");
  const lowered = api.stored("statefulsets", "default", "db")!;
  lowered.spec!.updateStrategy = { type: "RollingUpdate", rollingUpdate: { partition: 0 } };
  await api.update("statefulsets", lowered);
  await runKubelet(api, clock, ssc);
  assert.deepEqual(["db-0", "db-1", "db-2", "db-3"].map(image), ["demo:2", "demo:2", "demo:2", "demo:2"]);
  s = api.stored("statefulsets", "default", "db")!.status!;
  assert.equal(s.currentRevision, s.updateRevision);
});

test("a failed pod is deleted and recreated under the same name", async () => {
  const { api, ssc, clock } = setup();
  api.seed("statefulsets", statefulSet("db", 2));
  await runKubelet(api, clock, ssc);
  const uid = api.stored("pods", "default", "db-0")!.metadata!.uid;
  api.mutate("pods", "default", "db-0", (p) => (p.status = { phase: "Failed" }));
  await runKubelet(api, clock, ssc);
  assert.deepEqual(names(api), ["db-0", "db-1"]);
  assert.notEqual(api.stored("pods", "default", "db-0")!.metadata!.uid, uid);
});

test("volumeClaimTemplates: a claim <tpl>-<set>-<i> before each pod, mounted under the template's name, kept when the pod is recreated", async () => {
  const { api, ssc, clock } = setup();
  const set = statefulSet("db", 2);
  set.spec!.volumeClaimTemplates = [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } }];
  api.seed("statefulsets", set);
  await runKubelet(api, clock, ssc);
  const claims = api.storedList("persistentvolumeclaims").map((c) => c.metadata!.name!).sort();
  assert.deepEqual(claims, ["data-db-0", "data-db-1"]);
  assert.deepEqual(api.stored("persistentvolumeclaims", "default", "data-db-0")!.metadata?.labels, { app: "db" });
  const creates = api.actions.filter((a) => a.verb === "create").map((a) => `${a.kind}:${a.key.split("/")[1]}`);
  assert.ok(creates.indexOf("persistentvolumeclaims:data-db-0") < creates.indexOf("pods:db-0"), "the claim comes first");
  assert.deepEqual(api.stored("pods", "default", "db-1")!.spec?.volumes, [{ name: "data", persistentVolumeClaim: { claimName: "data-db-1" } }]);
  await api.delete("pods", "default", "db-0");
  await runKubelet(api, clock, ssc);
  assert.deepEqual(api.stored("pods", "default", "db-0")!.spec?.volumes, [{ name: "data", persistentVolumeClaim: { claimName: "data-db-0" } }]);
  assert.equal(api.storedList("persistentvolumeclaims").length, 2, "claims are kept, not recreated");
});
