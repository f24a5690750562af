import assert from "node:assert/strict";
import { test } from "node:test";
import { FakeClock } from "../clock.ts";
import { FakeDynamicApi, fakeResource } from "../dynamic/dynamic-fake-api.ts";
import { PodGcController } from "./pod-gc-controller.ts";

const pods = fakeResource("pods");
const nodes = fakeResource("nodes");

const pod = (name: string, minute: number, phase: string, nodeName = "n1"): Record<string, unknown> & { metadata: Record<string, unknown> } => ({
  metadata: { name, creationTimestamp: `2026-01-01T00:${String(minute).padStart(2, "0")}:00Z` },
  spec: { nodeName, containers: [{ name: "c", image: "demo:1" }] },
  status: { phase },
});

test("terminated pods beyond the threshold go, oldest first; running pods and pods within the threshold stay", async () => {
  const api = new FakeDynamicApi();
  await api.discover();
  api.seed(nodes, { metadata: { name: "n1" } });
  const gc = new PodGcController(api, new FakeClock(), { terminatedPodThreshold: 2 });
  // Created out of order: age decides, not the order they were stored in.
  for (const [name, minute, phase] of [["c", 3, "Succeeded"], ["a", 1, "Failed"], ["r", 0, "Running"], ["d", 4, "Succeeded"], ["b", 2, "Succeeded"]] as const) api.seed(pods, pod(name, minute, phase));
  const result = await gc.sync();
  assert.deepEqual(result, { requeueAfterMs: 20_000 });
  assert.deepEqual((await api.list(pods)).map((p) => p.metadata?.name).sort(), ["c", "d", "r"]);
});

test("a threshold of 0 keeps every terminated pod", async () => {
  const api = new FakeDynamicApi();
  await api.discover();
  api.seed(nodes, { metadata: { name: "n1" } });
  const gc = new PodGcController(api, new FakeClock(), { terminatedPodThreshold: 0 });
  for (let i = 0; i < 3; i++) api.seed(pods, pod(`p${i}`, i, "Succeeded"));
  await gc.sync();
  assert.equal((await api.list(pods)).length, 3);
});

test("pods bound to a node that no longer exists are deleted; unbound pods and pods on live nodes stay", async () => {
  const api = new FakeDynamicApi();
  await api.discover();
  api.seed(nodes, { metadata: { name: "n1" } });
  api.seed(nodes, { metadata: { name: "n2" } });
  const gc = new PodGcController(api, new FakeClock());
  api.seed(pods, pod("on-n1", 0, "Running", "n1"));
  api.seed(pods, pod("on-n2", 1, "Running", "n2"));
  api.seed(pods, pod("pending", 2, "Pending", ""));
  await gc.sync();
  assert.equal((await api.list(pods)).length, 3);
  assert.equal(gc.queue.length, 1, "queued at start");
  await api.delete(nodes, "", "n2");
  await gc.sync();
  assert.deepEqual((await api.list(pods)).map((p) => p.metadata?.name).sort(), ["on-n1", "pending"]);
});

test("terminating pods past their grace on a NotReady node are force-deleted; on a Ready node the kubelet finishes them", async () => {
  const api = new FakeDynamicApi();
  await api.discover();
  const clock = new FakeClock();
  const condition = (status: string): Record<string, unknown> => ({ conditions: [{ type: "Ready", status }] });
  api.seed(nodes, { metadata: { name: "ready" }, status: condition("True") });
  api.seed(nodes, { metadata: { name: "lost" }, status: condition("Unknown") });
  const gc = new PodGcController(api, clock);
  const terminating = (name: string, nodeName: string, graceEndsInS: number): Record<string, unknown> => {
    const p = pod(name, 0, "Running", nodeName);
    p.metadata.deletionTimestamp = new Date(clock.now() + graceEndsInS * 1000).toISOString();
    return p;
  };
  api.seed(pods, terminating("on-ready", "ready", -5));
  api.seed(pods, terminating("lost-due", "lost", -1));
  api.seed(pods, terminating("lost-later", "lost", 10));
  api.seed(pods, pod("lost-running", 0, "Running", "lost"));
  const first = await gc.sync();
  assert.deepEqual((await api.list(pods)).map((p) => p.metadata?.name).sort(), ["lost-later", "lost-running", "on-ready"]);
  assert.ok(first.requeueAfterMs !== undefined && first.requeueAfterMs <= 10_200, "looks again when the next grace ends");
  clock.advance(11_000);
  await gc.sync();
  assert.deepEqual((await api.list(pods)).map((p) => p.metadata?.name).sort(), ["lost-running", "on-ready"]);
});
