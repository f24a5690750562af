// An informer from @kubernetes/client-node (list, then watch from the list's
// resourceVersion) against skiff apiserver on a 3-member skiff store. It
// goes on through an apiserver restart and a store leader change without
// missing or duplicating an event.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { CoreV1Api, KubeConfig, type V1ConfigMap, makeInformer } from "@kubernetes/client-node";
import { ApiServerProcess } from "../support/apiserver.ts";

let api: ApiServerProcess;
before(async () => {
  api = await ApiServerProcess.start("skiff");
});
after(async () => {
  await api?.stop();
});

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`gave up waiting for ${what}`);
}

/** Retries a write while the apiserver or the store is coming back. */
async function write(path: string, method: string, body?: unknown, contentType?: string): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      const r = await api.request(path, { method, body: body === undefined ? undefined : JSON.stringify(body), contentType });
      if (r.status < 500) {
        assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${r.body}`);
        return;
      }
    } catch {
      // not listening yet
    }
    if (i > 100) assert.fail(`${method} ${path} kept failing`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test("an informer misses nothing and repeats nothing across an apiserver restart and a store leader change", async () => {
  await write("/api/v1/namespaces", "POST", { metadata: { name: "inf" } });
  const kc = new KubeConfig();
  kc.loadFromFile(api.kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const informer = makeInformer<V1ConfigMap>(kc, "/api/v1/namespaces/inf/configmaps", () => core.listNamespacedConfigMap({ namespace: "inf" }));
  const seen: string[] = [];
  let restarts = 0;
  let stopping = false;
  informer.on("add", (o) => seen.push(`add ${o.metadata!.name}`));
  informer.on("update", (o) => seen.push(`update ${o.metadata!.name} ${o.data?.v ?? ""}`));
  informer.on("delete", (o) => seen.push(`delete ${o.metadata!.name}`));
  // client-node informers stop on a broken watch; the documented remedy is to start again (from the last resourceVersion).
  informer.on("error", () => {
    // Stopping aborts the watch, which reports an error too: that one must not start it again.
    if (stopping) return;
    restarts++;
    setTimeout(() => void informer.start().catch(() => undefined), 200);
  });
  const cm = (name: string): unknown => ({ metadata: { name }, data: { v: "0" } });
  try {
    await write("/api/v1/namespaces/inf/configmaps", "POST", cm("before"));
    await informer.start();
    await until("the listed configmap", () => seen.includes("add before"));
    for (const n of ["a1", "a2", "a3"]) await write("/api/v1/namespaces/inf/configmaps", "POST", cm(n));
    await until("a1..a3", () => seen.includes("add a3"));

    await api.stopServer();
    api.launch();
    await api.waitReady();
    for (const n of ["b1", "b2"]) await write("/api/v1/namespaces/inf/configmaps", "POST", cm(n));
    await write("/api/v1/namespaces/inf/configmaps/a1", "PATCH", { data: { v: "1" } }, "application/merge-patch+json");
    await write("/api/v1/namespaces/inf/configmaps/a2", "DELETE");
    await until("the writes after the restart", () => seen.includes("delete a2"));

    const leader = api.store.leader();
    assert.ok(leader !== undefined);
    await api.store.kill(leader);
    for (const n of ["c1", "c2"]) await write("/api/v1/namespaces/inf/configmaps", "POST", cm(n));
    await write("/api/v1/namespaces/inf/configmaps/a3", "PATCH", { data: { v: "2" } }, "application/merge-patch+json");
    await until("the writes after the leader change", () => seen.includes("update a3 2"));

    assert.ok(restarts >= 1, "the apiserver restart broke the watch at least once");
    assert.deepEqual(seen, [
      "add before",
      "add a1",
      "add a2",
      "add a3",
      "add b1",
      "add b2",
      "update a1 1",
      "delete a2",
      "add c1",
      "add c2",
      "update a3 2",
    ]);
    const names = informer.list().map((o) => o.metadata!.name).sort();
    assert.deepEqual(names, ["a1", "a3", "b1", "b2", "before", "c1", "c2"]);
  } finally {
    stopping = true;
    await informer.stop();
  }
});
