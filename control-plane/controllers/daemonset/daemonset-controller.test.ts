import assert from "node:assert/strict";
import { test } from "node:test";
import type { V1DaemonSet, V1Node, V1Taint } from "@kubernetes/client-node";
import { FakeClock } from "../clock.ts";
import { FakeApi } from "../fake-api.ts";
import { controllerRefOf } from "../owners.ts";
import { revisionHashLabel } from "../revision-hash.ts";
import { markReady, settle } from "../test-support.ts";
import { DaemonSetController } from "./daemonset-controller.ts";

function setup(): { clock: FakeClock; api: FakeApi; dsc: DaemonSetController } {
  const clock = new FakeClock();
  const api = new FakeApi(clock);
  let seed = 7;
  const random = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  return { clock, api, dsc: new DaemonSetController(api, { clock, random }) };
}

function node(name: string, labels: Record<string, string> = {}, taints?: V1Taint[]): V1Node {
  return { apiVersion: "v1", kind: "Node", metadata: { name, labels: { "kubernetes.io/hostname": name, ...labels } }, spec: taints === undefined ? {} : { taints } };
}

function daemonSet(name: string, extra: { nodeSelector?: Record<string, string>; image?: string; maxUnavailable?: number } = {}): V1DaemonSet {
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name, namespace: "default" },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "c", image: extra.image ?? "demo:1" }], ...(extra.nodeSelector === undefined ? {} : { nodeSelector: extra.nodeSelector }) },
      },
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: extra.maxUnavailable ?? 1 } },
      revisionHistoryLimit: 10,
    },
  };
}

/** node name -> pod names of the DaemonSet there. */
function placement(api: FakeApi, ds: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const p of api.storedList("pods")) {
    if (controllerRefOf(p)?.name !== ds) continue;
    (out[p.spec?.nodeName ?? ""] ??= []).push(p.metadata!.name!);
  }
  return out;
}

const readyAll = (api: FakeApi, clock: FakeClock): void => {
  for (const p of api.storedList("pods")) if (p.status?.phase !== "Running") markReady(api, clock, p.metadata!.name!);
};

test("one pod per node, bound with spec.nodeName, carrying the daemon tolerations; status counts them", async () => {
  const { api, dsc, clock } = setup();
  for (const n of ["a", "b", "c"]) api.seed("nodes", node(n));
  api.seed("daemonsets", daemonSet("agent"));
  await settle([dsc]);
  const where = placement(api, "agent");
  assert.deepEqual(Object.keys(where).sort(), ["a", "b", "c"]);
  for (const names of Object.values(where)) assert.equal(names.length, 1);
  const pod = api.storedList("pods")[0]!;
  assert.match(pod.metadata!.name!, /^agent-[a-z0-9]{5}$/);
  assert.ok(pod.metadata?.labels?.[revisionHashLabel]);
  const tolerated = (pod.spec?.tolerations ?? []).map((t) => `${t.key}:${t.effect}`);
  for (const t of ["node.kubernetes.io/not-ready:NoExecute", "node.kubernetes.io/unreachable:NoExecute", "node.kubernetes.io/unschedulable:NoSchedule", "node.kubernetes.io/disk-pressure:NoSchedule"]) assert.ok(tolerated.includes(t), t);
  readyAll(api, clock);
  await settle([dsc]);
  const s = api.stored("daemonsets", "default", "agent")!.status!;
  assert.deepEqual(
    [s.desiredNumberScheduled, s.currentNumberScheduled, s.numberReady, s.numberAvailable, s.updatedNumberScheduled, s.numberMisscheduled, s.observedGeneration],
    [3, 3, 3, 3, 3, 0, 1],
  );
});

test("a node added later gets a pod; a deleted node's pod is removed", async () => {
  const { api, dsc } = setup();
  api.seed("nodes", node("a"));
  api.seed("daemonsets", daemonSet("agent"));
  await settle([dsc]);
  assert.deepEqual(Object.keys(placement(api, "agent")), ["a"]);
  api.seed("nodes", node("b"));
  await settle([dsc]);
  assert.deepEqual(Object.keys(placement(api, "agent")).sort(), ["a", "b"]);
  await api.delete("nodes", "", "a");
  await settle([dsc]);
  assert.deepEqual(Object.keys(placement(api, "agent")), ["b"]);
  assert.equal(api.stored("daemonsets", "default", "agent")!.status?.desiredNumberScheduled, 1);
});

test("nodeSelector: only matching nodes; relabelling a node adds or removes its pod", async () => {
  const { api, dsc } = setup();
  api.seed("nodes", node("a", { disk: "ssd" }));
  api.seed("nodes", node("b"));
  api.seed("daemonsets", daemonSet("agent", { nodeSelector: { disk: "ssd" } }));
  await settle([dsc]);
  assert.deepEqual(Object.keys(placement(api, "agent")), ["a"]);
  api.mutate("nodes", "", "b", (n) => (n.metadata!.labels!.disk = "ssd"));
  await settle([dsc]);
  assert.deepEqual(Object.keys(placement(api, "agent")).sort(), ["a", "b"]);
  api.mutate("nodes", "", "a", (n) => delete n.metadata!.labels!.disk);
  await settle([dsc]);
  assert.deepEqual(Object.keys(placement(api, "agent")), ["b"]);
  assert.equal(api.stored("daemonsets", "default", "agent")!.status?.desiredNumberScheduled, 1);
});

test("taints: an untolerated NoSchedule taint keeps new pods off but an existing pod stays; NoExecute removes it; daemon tolerations cover cordoned and not-ready nodes", async () => {
  const { api, dsc } = setup();
  api.seed("nodes", node("tainted", {}, [{ key: "dedicated", value: "db", effect: "NoSchedule" }]));
  api.seed("nodes", node("cordoned", {}, [{ key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" }]));
  api.seed("nodes", node("notready", {}, [{ key: "node.kubernetes.io/not-ready", effect: "NoExecute" }]));
  api.seed("nodes", node("plain"));
  api.seed("daemonsets", daemonSet("agent"));
  await settle([dsc]);
  assert.deepEqual(Object.keys(placement(api, "agent")).sort(), ["cordoned", "notready", "plain"]);
  api.mutate("nodes", "", "plain", (n) => (n.spec = { taints: [{ key: "dedicated", value: "db", effect: "NoSchedule" }] }));
  await settle([dsc]);
  assert.deepEqual(Object.keys(placement(api, "agent")).sort(), ["cordoned", "notready", "plain"], "NoSchedule does not evict");
  api.mutate("nodes", "", "plain", (n) => (n.spec = { taints: [{ key: "dedicated", value: "db", effect: "NoExecute" }] }));
  await settle([dsc]);
  assert.deepEqual(Object.keys(placement(api, "agent")).sort(), ["cordoned", "notready"]);
  // A DaemonSet that tolerates the taint runs there too.
  const tolerant = daemonSet("tolerant");
  tolerant.spec!.template.spec!.tolerations = [{ key: "dedicated", operator: "Exists" }];
  api.seed("daemonsets", tolerant);
  await settle([dsc]);
  assert.deepEqual(Object.keys(placement(api, "tolerant")).sort(), ["cordoned", "notready", "plain", "tainted"]);
});

test("a failed daemon pod is replaced by exactly one new pod", async () => {
  const { api, dsc } = setup();
  api.seed("nodes", node("a"));
  api.seed("daemonsets", daemonSet("agent"));
  await settle([dsc]);
  const [first] = placement(api, "agent").a!;
  api.mutate("pods", "default", first!, (p) => (p.status = { phase: "Failed" }));
  await settle([dsc]);
  const now = placement(api, "agent").a!;
  assert.equal(now.length, 1);
  assert.notEqual(now[0], first);
});

test("rolling update replaces pods node by node within maxUnavailable 1", async () => {
  const { api, dsc, clock } = setup();
  for (const n of ["a", "b", "c"]) api.seed("nodes", node(n));
  api.seed("daemonsets", daemonSet("agent"));
  await settle([dsc]);
  readyAll(api, clock);
  await settle([dsc]);
  const oldHash = api.storedList("pods")[0]!.metadata!.labels![revisionHashLabel];
  const ds = api.stored("daemonsets", "default", "agent")!;
  ds.spec!.template.spec!.containers[0]!.image = "demo:2";
  await api.update("daemonsets", ds);
  let maxDown = 0;
  let rounds = 0;
  for (;;) {
    await settle([dsc], () => {
      const pods = api.storedList("pods");
      const down = 3 - pods.filter((p) => p.status?.phase === "Running").length;
      maxDown = Math.max(maxDown, down);
    });
    const pods = api.storedList("pods");
    if (pods.length === 3 && pods.every((p) => p.spec?.containers[0]?.image === "demo:2" && p.status?.phase === "Running")) break;
    readyAll(api, clock);
    assert.ok(++rounds < 10, "rollout did not finish");
  }
  assert.equal(maxDown, 1, "never more than maxUnavailable nodes without a ready daemon");
  assert.ok(rounds >= 3, "one node at a time");
  await settle([dsc]);
  const s = api.stored("daemonsets", "default", "agent")!.status!;
  assert.deepEqual([s.updatedNumberScheduled, s.numberAvailable, s.observedGeneration], [3, 3, 2]);
  assert.ok(api.storedList("pods").every((p) => p.metadata?.labels?.[revisionHashLabel] !== oldHash));
});

test("maxUnavailable 2 takes two nodes down at a time", async () => {
  const { api, dsc, clock } = setup();
  for (const n of ["a", "b", "c", "d"]) api.seed("nodes", node(n));
  api.seed("daemonsets", daemonSet("agent", { maxUnavailable: 2 }));
  await settle([dsc]);
  readyAll(api, clock);
  await settle([dsc]);
  const ds = api.stored("daemonsets", "default", "agent")!;
  ds.spec!.template.spec!.containers[0]!.image = "demo:2";
  await api.update("daemonsets", ds);
  await settle([dsc]);
  const images = api.storedList("pods").map((p) => p.spec?.containers[0]?.image);
  assert.deepEqual(images.filter((i) => i === "demo:2").length, 2, "two replaced in the first step");
  assert.deepEqual(images.filter((i) => i === "demo:1").length, 2);
});
