import assert from "node:assert/strict";
import { test } from "node:test";
import { FakeClock } from "../clock.ts";
import { FakeDynamicApi, fakeResource } from "../dynamic/dynamic-fake-api.ts";
import { settle } from "../test-support.ts";
import { NamespaceController } from "./namespace-controller.ts";

const namespaces = fakeResource("namespaces");
const pods = fakeResource("pods");
const configMaps = fakeResource("configmaps");

test("a terminating namespace loses all its content, then its finalizer, then goes; other namespaces keep theirs", async () => {
  const api = new FakeDynamicApi();
  await api.discover();
  const controller = new NamespaceController(api, new FakeClock());
  for (const ns of ["doomed", "kept"]) {
    api.seed(namespaces, { metadata: { name: ns }, spec: { finalizers: ["kubernetes"] }, status: { phase: "Active" } });
    api.seed(pods, { metadata: { name: "p", namespace: ns } });
    api.seed(configMaps, { metadata: { name: "c", namespace: ns } });
  }
  await settle([controller]);
  assert.equal(api.actions.length, 0, "nothing happens to active namespaces");
  await api.delete(namespaces, "", "doomed");
  assert.equal(api.stored(namespaces, "", "doomed")?.metadata?.deletionTimestamp !== undefined, true, "held by spec.finalizers");
  await settle([controller]);
  assert.equal(api.stored(namespaces, "", "doomed"), undefined);
  assert.deepEqual((await api.list(pods)).map((p) => p.metadata?.namespace), ["kept"]);
  assert.deepEqual((await api.list(configMaps)).map((p) => p.metadata?.namespace), ["kept"]);
  assert.ok(api.actions.includes("finalize namespace doomed"));
});

test("an object held by a finalizer of its own keeps the namespace until it goes", async () => {
  const api = new FakeDynamicApi();
  await api.discover();
  const controller = new NamespaceController(api, new FakeClock());
  api.seed(namespaces, { metadata: { name: "ns" }, spec: { finalizers: ["kubernetes"] } });
  api.seed(configMaps, { metadata: { name: "held", namespace: "ns", finalizers: ["example.com/hold"] } });
  await api.delete(namespaces, "", "ns");
  const result = await controller.sync("ns");
  assert.deepEqual(result, { requeueAfterMs: 1000 });
  assert.notEqual(api.stored(namespaces, "", "ns"), undefined);
  const held = api.stored(configMaps, "ns", "held")!;
  await api.patch(configMaps, "ns", "held", { metadata: { resourceVersion: held.metadata?.resourceVersion, finalizers: null } });
  await controller.sync("ns");
  assert.equal(api.stored(namespaces, "", "ns"), undefined);
});
