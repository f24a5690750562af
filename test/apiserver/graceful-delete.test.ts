// Graceful pod deletion at the API: a bound, running pod is only marked
// (deletionTimestamp = now + grace) and answered with 200 and the object;
// a second delete may only shorten the grace; grace 0, an unbound pod or a
// finished one goes at once; finalizers still hold a pod whose grace is 0.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ApiServerProcess } from "../support/apiserver.ts";

type Meta = { name: string; uid: string; deletionTimestamp?: string; deletionGracePeriodSeconds?: number; finalizers?: string[] };
type Pod = { metadata: Meta; status?: { phase?: string } };

describe("graceful pod deletion", () => {
  let api: ApiServerProcess;
  before(async () => {
    api = await ApiServerProcess.start("skiff");
    const ns = await api.request("/api/v1/namespaces", { method: "POST", body: JSON.stringify({ metadata: { name: "g" } }) });
    assert.equal(ns.status, 201, ns.body);
  });
  after(async () => {
    await api?.stop();
  });

  const path = (name: string): string => `/api/v1/namespaces/g/pods/${name}`;
  const create = async (name: string, spec: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): Promise<Pod> => {
    const body = { metadata: { name, ...meta }, spec: { containers: [{ name: "c", image: "skiff/demo-app" }], ...spec } };
    const r = await api.request("/api/v1/namespaces/g/pods", { method: "POST", body: JSON.stringify(body) });
    assert.equal(r.status, 201, r.body);
    return r.json() as Pod;
  };
  const del = async (name: string, options: Record<string, unknown> = {}): Promise<{ status: number; pod: Pod }> => {
    const r = await api.request(path(name), { method: "DELETE", body: JSON.stringify(options) });
    return { status: r.status, pod: r.json() as Pod };
  };
  const get = async (name: string): Promise<{ status: number; pod: Pod }> => {
    const r = await api.request(path(name));
    return { status: r.status, pod: r.json() as Pod };
  };
  const secondsLeft = (p: Pod): number => (Date.parse(p.metadata.deletionTimestamp ?? "") - Date.now()) / 1000;

  test("a bound pod is marked with the pod's terminationGracePeriodSeconds, then only shortened", async () => {
    await create("bound", { nodeName: "n1", terminationGracePeriodSeconds: 60 });
    const first = await del("bound");
    assert.equal(first.status, 200);
    assert.equal(first.pod.metadata.deletionGracePeriodSeconds, 60);
    assert.ok(secondsLeft(first.pod) > 50 && secondsLeft(first.pod) <= 61, first.pod.metadata.deletionTimestamp);
    const read = await get("bound");
    assert.equal(read.status, 200, "still there while its grace runs");
    assert.equal(read.pod.metadata.deletionGracePeriodSeconds, 60);
    // Longer: ignored; shorter: taken, with a new deadline.
    assert.equal((await del("bound", { gracePeriodSeconds: 120 })).pod.metadata.deletionGracePeriodSeconds, 60);
    const shorter = await del("bound", { gracePeriodSeconds: 10 });
    assert.equal(shorter.status, 200);
    assert.equal(shorter.pod.metadata.deletionGracePeriodSeconds, 10);
    assert.ok(secondsLeft(shorter.pod) <= 11, shorter.pod.metadata.deletionTimestamp);
    assert.equal((await get("bound")).pod.metadata.deletionGracePeriodSeconds, 10);
    // The kubelet's (or kubectl --force's) grace 0 with a uid precondition removes it.
    const wrongUid = await del("bound", { gracePeriodSeconds: 0, preconditions: { uid: "not-this-one" } });
    assert.equal(wrongUid.status, 409);
    assert.equal((await del("bound", { gracePeriodSeconds: 0, preconditions: { uid: shorter.pod.metadata.uid } })).status, 200);
    assert.equal((await get("bound")).status, 404);
  });

  test("the default grace is 30 s; DeleteOptions and the query parameter override it", async () => {
    await create("default", { nodeName: "n1" });
    assert.equal((await del("default")).pod.metadata.deletionGracePeriodSeconds, 30);
    await create("option", { nodeName: "n1" });
    assert.equal((await del("option", { gracePeriodSeconds: 7 })).pod.metadata.deletionGracePeriodSeconds, 7);
    await create("query", { nodeName: "n1" });
    const r = await api.request(`${path("query")}?gracePeriodSeconds=4`, { method: "DELETE" });
    assert.equal((r.json() as Pod).metadata.deletionGracePeriodSeconds, 4);
  });

  test("force (grace 0), unbound and finished pods are deleted at once", async () => {
    await create("forced", { nodeName: "n1" });
    assert.equal((await del("forced", { gracePeriodSeconds: 0 })).status, 200);
    assert.equal((await get("forced")).status, 404);
    await create("unbound");
    assert.equal((await del("unbound")).status, 200);
    assert.equal((await get("unbound")).status, 404);
    await create("finished", { nodeName: "n1" });
    const status = await api.request(`${path("finished")}/status`, { method: "PATCH", body: '{"status":{"phase":"Succeeded"}}', contentType: "application/merge-patch+json" });
    assert.equal(status.status, 200, status.body);
    assert.equal((await del("finished")).status, 200);
    assert.equal((await get("finished")).status, 404);
  });

  test("finalizers still hold a pod whose grace is over; it goes when the last one is removed", async () => {
    await create("held", { nodeName: "n1" }, { finalizers: ["example.com/hold"] });
    const marked = await del("held", { gracePeriodSeconds: 5 });
    assert.equal(marked.pod.metadata.deletionGracePeriodSeconds, 5);
    const unheld = await api.request(path("held"), { method: "PATCH", body: '{"metadata":{"finalizers":null}}', contentType: "application/merge-patch+json" });
    assert.equal(unheld.status, 200, unheld.body);
    assert.equal((await get("held")).status, 200, "no finalizer left, but the grace still runs");
    const forced = await del("held", { gracePeriodSeconds: 0 });
    assert.equal(forced.status, 200);
    assert.equal((await get("held")).status, 404);
    // Finalizers and grace 0: marked, removed when the finalizer goes.
    await create("held2", { nodeName: "n1" }, { finalizers: ["example.com/hold"] });
    assert.equal((await del("held2", { gracePeriodSeconds: 0 })).pod.metadata.deletionGracePeriodSeconds, 0);
    assert.equal((await get("held2")).status, 200);
    await api.request(path("held2"), { method: "PATCH", body: '{"metadata":{"finalizers":null}}', contentType: "application/merge-patch+json" });
    assert.equal((await get("held2")).status, 404);
  });
});
