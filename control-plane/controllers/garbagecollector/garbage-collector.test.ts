import assert from "node:assert/strict";
import { test } from "node:test";
import type { V1OwnerReference } from "@kubernetes/client-node";
import type { Named } from "../api.ts";
import { FakeClock } from "../clock.ts";
import { FakeDynamicApi, fakeResource } from "../dynamic/dynamic-fake-api.ts";
import { settle } from "../test-support.ts";
import { GarbageCollector } from "./garbage-collector.ts";

const deployments = fakeResource("deployments");
const replicaSets = fakeResource("replicasets");
const pods = fakeResource("pods");
const configMaps = fakeResource("configmaps");

function refTo(o: Named, kind: string, apiVersion: string, block = true): V1OwnerReference {
  return { apiVersion, kind, name: o.metadata!.name!, uid: o.metadata!.uid!, controller: true, blockOwnerDeletion: block };
}

/** A Deployment owning a ReplicaSet owning two pods, as the controllers build them. */
function chain(api: FakeDynamicApi): { d: Named; rs: Named; pods: Named[] } {
  const d = api.seed(deployments, { metadata: { name: "web" } });
  const rs = api.seed(replicaSets, { metadata: { name: "web-1", ownerReferences: [refTo(d, "Deployment", "apps/v1")] } });
  const ps = ["web-1-a", "web-1-b"].map((name) => api.seed(pods, { metadata: { name, ownerReferences: [refTo(rs, "ReplicaSet", "apps/v1")] } }));
  return { d, rs, pods: ps };
}

async function collector(): Promise<{ api: FakeDynamicApi; gc: GarbageCollector }> {
  const api = new FakeDynamicApi();
  await api.discover();
  return { api, gc: new GarbageCollector(api, new FakeClock()) };
}

test("background: deleting a Deployment removes its ReplicaSet, then the ReplicaSet's pods", async () => {
  const { api, gc } = await collector();
  chain(api);
  await settle([gc]);
  assert.equal(api.actions.length, 0, "owners present: nothing is collected");
  await api.delete(deployments, "default", "web", { propagationPolicy: "Background" });
  await settle([gc]);
  assert.equal(api.stored(replicaSets, "default", "web-1"), undefined);
  assert.equal((await api.list(pods)).length, 0);
  assert.deepEqual(api.actions.slice(1).sort(), ["delete pods default/web-1-a Background", "delete pods default/web-1-b Background", "delete replicasets.apps default/web-1 Background"]);
});

test("an owner with the same name but a new uid is gone", async () => {
  const { api, gc } = await collector();
  const old = api.seed(configMaps, { metadata: { name: "owner" } });
  api.seed(pods, { metadata: { name: "p", ownerReferences: [refTo(old, "ConfigMap", "v1")] } });
  await api.delete(configMaps, "default", "owner");
  api.seed(configMaps, { metadata: { name: "owner" } });
  await settle([gc]);
  assert.equal(api.stored(pods, "default", "p"), undefined, "the pod named the old uid");
  assert.notEqual(api.stored(configMaps, "default", "owner"), undefined);
});

test("foreground: dependents go first (pods, then the ReplicaSet), then the owner loses its finalizer and goes", async () => {
  const { api, gc } = await collector();
  chain(api);
  const order: string[] = [];
  for (const r of [deployments, replicaSets, pods]) api.cache(r).subscribe((e) => (e.type === "delete" ? order.push(e.object.metadata!.name!) : undefined));
  await api.delete(deployments, "default", "web", { propagationPolicy: "Foreground" });
  const marked = api.stored(deployments, "default", "web");
  assert.deepEqual(marked?.metadata?.finalizers, ["foregroundDeletion"], "the owner stays, marked, while dependents exist");
  await settle([gc]);
  assert.deepEqual(order.slice(0, 2).sort(), ["web-1-a", "web-1-b"]);
  assert.deepEqual(order.slice(2), ["web-1", "web"]);
  assert.ok(api.actions.includes("delete replicasets.apps default/web-1 Foreground"), "a dependent with dependents of its own is deleted in the foreground");
});

test("orphan: dependents lose the owner's reference and stay; the owner goes", async () => {
  const { api, gc } = await collector();
  const { rs } = chain(api);
  await api.delete(replicaSets, "default", "web-1", { propagationPolicy: "Orphan" });
  assert.deepEqual(api.stored(replicaSets, "default", "web-1")?.metadata?.finalizers, ["orphan"]);
  await settle([gc]);
  assert.equal(api.stored(replicaSets, "default", "web-1"), undefined);
  const left = await api.list(pods);
  assert.equal(left.length, 2);
  for (const p of left) assert.equal(p.metadata?.ownerReferences, undefined, `${p.metadata?.name} still names ${rs.metadata?.name}`);
});

test("a dependent with another owner still present keeps living, without the gone owner's reference", async () => {
  const { api, gc } = await collector();
  const a = api.seed(configMaps, { metadata: { name: "a" } });
  const b = api.seed(configMaps, { metadata: { name: "b" } });
  api.seed(pods, { metadata: { name: "shared", ownerReferences: [refTo(a, "ConfigMap", "v1", false), { ...refTo(b, "ConfigMap", "v1", false), controller: false }] } });
  await api.delete(configMaps, "default", "a");
  await settle([gc]);
  const p = api.stored(pods, "default", "shared");
  assert.deepEqual(p?.metadata?.ownerReferences?.map((r) => r.name), ["b"]);
});

test("a reference to a kind nobody serves keeps the object", async () => {
  const { api, gc } = await collector();
  api.seed(pods, { metadata: { name: "p", ownerReferences: [{ apiVersion: "example.com/v1", kind: "Widget", name: "w", uid: "u" }] } });
  await settle([gc]);
  assert.notEqual(api.stored(pods, "default", "p"), undefined);
});
