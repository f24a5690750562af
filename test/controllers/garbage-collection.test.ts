// The garbage collector in `skiff controller-manager` against `skiff
// apiserver` on a 3-member skiff store, driven by kubectl as a user would:
// deleting a Deployment removes its ReplicaSets and pods (background, the
// default), --cascade=foreground removes them before the Deployment itself
// goes, --cascade=orphan leaves them in place without the owner reference.
// Namespace deletion, eviction, and pod GC (terminated pods beyond the
// threshold, pods of deleted nodes) in the same cluster.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ApiServerProcess, kubectl120, kubectl132 } from "../support/apiserver.ts";
import { ControllerManagerProcess } from "../support/controller-manager.ts";
import { sample } from "../support/metrics.ts";
import { freePort } from "../support/ports.ts";

type Obj = { metadata: { name: string; uid: string; ownerReferences?: { uid: string; kind: string }[]; finalizers?: string[]; deletionTimestamp?: string } };

let api: ApiServerProcess | undefined;
let manager: ControllerManagerProcess | undefined;
let metricsPort = 0;

before(async () => {
  api = await ApiServerProcess.start("skiff");
  metricsPort = await freePort();
  manager = ControllerManagerProcess.launch(api.kubeconfig, ["--terminated-pod-gc-threshold=2", `--metrics-bind-address=127.0.0.1:${metricsPort}`]);
});

after(async () => {
  await manager?.kill();
  await api?.stop();
});

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`gave up waiting for ${what}\ncontroller-manager:\n${manager?.output() ?? ""}`);
}

async function list(path: string): Promise<Obj[]> {
  const r = await api!.request(path);
  assert.equal(r.status, 200, r.body);
  return r.json().items as Obj[];
}

function kubectl(bin: string, args: string[]): string {
  const r = api!.kubectl(bin, args);
  assert.equal(r.status, 0, `kubectl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

const ns = "gc";
const pods = (): Promise<Obj[]> => list(`/api/v1/namespaces/${ns}/pods`);
const replicaSets = (): Promise<Obj[]> => list(`/apis/apps/v1/namespaces/${ns}/replicasets`);

async function deploymentWithPods(bin: string, name: string, replicas: number): Promise<void> {
  kubectl(bin, ["-n", ns, "create", "deployment", name, "--image=demo:1", `--replicas=${replicas}`]);
  await until(`${replicas} pods of ${name}`, async () => (await pods()).filter((p) => p.metadata.name.startsWith(`${name}-`)).length === replicas);
}

test("delete a Deployment: background (default) and foreground remove ReplicaSets and pods; orphan keeps them", async () => {
  kubectl(kubectl132, ["create", "namespace", ns]);

  await deploymentWithPods(kubectl132, "web", 3);
  kubectl(kubectl132, ["-n", ns, "delete", "deployment", "web"]);
  await until("web's ReplicaSet and pods to be collected", async () => (await replicaSets()).length === 0 && (await pods()).length === 0);

  // Foreground: when kubectl sees the Deployment gone, its dependents are gone already.
  await deploymentWithPods(kubectl120, "fg", 2);
  kubectl(kubectl120, ["-n", ns, "delete", "deployment", "fg", "--cascade=foreground"]);
  assert.deepEqual((await replicaSets()).map((r) => r.metadata.name), []);
  assert.deepEqual((await pods()).map((p) => p.metadata.name), []);

  // Orphan: the ReplicaSet and pods stay, without a reference to the deleted owner.
  await deploymentWithPods(kubectl132, "keep", 2);
  kubectl(kubectl132, ["-n", ns, "delete", "deployment", "keep", "--cascade=orphan"]);
  const rs = await replicaSets();
  assert.equal(rs.length, 1);
  assert.equal(rs[0]!.metadata.ownerReferences, undefined);
  assert.equal(rs[0]!.metadata.finalizers, undefined);
  kubectl(kubectl120, ["-n", ns, "delete", "rs", rs[0]!.metadata.name, "--cascade=orphan"]);
  const kept = await pods();
  assert.equal(kept.length, 2);
  for (const p of kept) assert.equal(p.metadata.ownerReferences, undefined, p.metadata.name);
  // The collector leaves orphans alone.
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal((await pods()).length, 2);
});

test("--metrics-bind-address serves client-go's workqueue metrics: the Deployment's key was added and worked", async () => {
  let text = "";
  await until("workqueue metrics", async () => {
    text = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text()).catch(() => "");
    return sample(text, "workqueue_adds_total", { name: "deployment" }) >= 1 && sample(text, "workqueue_work_duration_seconds_count", { name: "deployment" }) >= 1;
  });
  assert.match(text, /^# TYPE workqueue_depth gauge$/m);
  assert.ok(sample(text, "workqueue_depth", { name: "garbagecollector" }) >= 0, text);
  assert.ok(sample(text, "workqueue_queue_duration_seconds_count", { name: "replicaset" }) >= 1, text);
});

test("the API server's side: propagationPolicy and orphanDependents set the GC finalizers; a Job orphans by default in batch/v1", async () => {
  const a = api!;
  const cm = async (name: string, extra: Record<string, unknown> = {}): Promise<Obj> => {
    const r = await a.request(`/api/v1/namespaces/${ns}/configmaps`, { method: "POST", body: JSON.stringify({ metadata: { name, finalizers: ["example.com/hold"], ...extra } }) });
    assert.equal(r.status, 201, r.body);
    return r.json() as unknown as Obj;
  };
  const del = async (path: string, body: unknown): Promise<Obj> => {
    const r = await a.request(path, { method: "DELETE", body: JSON.stringify(body) });
    assert.equal(r.status, 200, r.body);
    return r.json() as unknown as Obj;
  };
  await cm("f1");
  assert.deepEqual((await del(`/api/v1/namespaces/${ns}/configmaps/f1`, { propagationPolicy: "Foreground" })).metadata.finalizers, ["example.com/hold", "foregroundDeletion"]);
  await cm("f2");
  assert.deepEqual((await del(`/api/v1/namespaces/${ns}/configmaps/f2`, { orphanDependents: true })).metadata.finalizers, ["example.com/hold", "orphan"]);
  const both = await a.request(`/api/v1/namespaces/${ns}/configmaps/f2`, { method: "DELETE", body: JSON.stringify({ orphanDependents: true, propagationPolicy: "Background" }) });
  assert.equal(both.status, 422, both.body);
  // A second delete with another policy swaps the finalizer.
  assert.deepEqual((await del(`/api/v1/namespaces/${ns}/configmaps/f2`, { propagationPolicy: "Background" })).metadata.finalizers, ["example.com/hold"]);
  // Our own finalizers go; f2 is removed at once, f1 waits for the collector to drop foregroundDeletion.
  for (const [n, left] of [["f1", '["foregroundDeletion"]'], ["f2", "null"]]) {
    const r = await a.request(`/api/v1/namespaces/${ns}/configmaps/${n}`, { method: "PATCH", body: `{"metadata":{"finalizers":${left}}}`, contentType: "application/merge-patch+json" });
    assert.equal(r.status, 200, r.body);
  }
  assert.equal((await a.request(`/api/v1/namespaces/${ns}/configmaps/f2`)).status, 404);
  await until("f1 (foreground, no dependents) to be released by the collector and removed", async () => (await a.request(`/api/v1/namespaces/${ns}/configmaps/f1`)).status === 404);
  const job = { metadata: { name: "j" }, spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "demo:1" }] } } } };
  assert.equal((await a.request(`/apis/batch/v1/namespaces/${ns}/jobs`, { method: "POST", body: JSON.stringify(job) })).status, 201);
  const owned = { metadata: { name: "job-pod", ownerReferences: [] as unknown[] }, spec: { containers: [{ name: "c", image: "demo:1" }] } };
  const j = (await a.request(`/apis/batch/v1/namespaces/${ns}/jobs/j`)).json() as unknown as Obj;
  owned.metadata.ownerReferences = [{ apiVersion: "batch/v1", kind: "Job", name: "j", uid: j.metadata.uid, controller: true, blockOwnerDeletion: true }];
  assert.equal((await a.request(`/api/v1/namespaces/${ns}/pods`, { method: "POST", body: JSON.stringify(owned) })).status, 201);
  // No DeleteOptions: batch/v1 Jobs orphan their pods (kubectl always asks for Background).
  const r = await a.request(`/apis/batch/v1/namespaces/${ns}/jobs/j`, { method: "DELETE" });
  assert.equal(r.status, 200, r.body);
  await until("the job to go", async () => (await a.request(`/apis/batch/v1/namespaces/${ns}/jobs/j`)).status === 404);
  await until("the job's pod to lose its owner reference", async () => ((await a.request(`/api/v1/namespaces/${ns}/pods/job-pod`)).json() as unknown as Obj).metadata.ownerReferences === undefined);
});

test("deleting a namespace: Terminating, new content refused, all content removed, Service allocations freed, then the namespace goes", async () => {
  const a = api!;
  const doomed = "doomed";
  kubectl(kubectl132, ["create", "namespace", doomed]);
  const svc = (namespace: string): string =>
    JSON.stringify({ metadata: { name: "web", namespace }, spec: { type: "NodePort", clusterIP: "10.96.77.77", selector: { app: "web" }, ports: [{ port: 80, nodePort: 30077 }] } });
  assert.equal((await a.request(`/api/v1/namespaces/${doomed}/services`, { method: "POST", body: svc(doomed) })).status, 201);
  kubectl(kubectl132, ["-n", doomed, "create", "deployment", "web", "--image=demo:1", "--replicas=2"]);
  kubectl(kubectl132, ["-n", doomed, "create", "configmap", "held", "--from-literal=a=b"]);
  // A finalizer of our own keeps the namespace Terminating long enough to look at it.
  kubectl(kubectl132, ["-n", doomed, "patch", "configmap", "held", "--type=merge", "-p", '{"metadata":{"finalizers":["example.com/hold"]}}']);
  await until("the deployment's pods", async () => (await list(`/api/v1/namespaces/${doomed}/pods`)).length === 2);
  kubectl(kubectl132, ["delete", "namespace", doomed, "--wait=false"]);
  assert.equal(kubectl(kubectl132, ["get", "namespace", doomed, "-o", "jsonpath={.status.phase} {.spec.finalizers}"]), 'Terminating ["kubernetes"]');
  const again = a.kubectl(kubectl132, ["delete", "namespace", doomed, "--wait=false"]);
  assert.match(again.stderr, /\(Conflict\).*The system is ensuring all content is removed from this namespace/);
  const refused = a.kubectl(kubectl120, ["-n", doomed, "create", "configmap", "late"]);
  assert.notEqual(refused.status, 0);
  assert.match(refused.stderr, new RegExp(`\\(Forbidden\\).*configmaps "late" is forbidden: unable to create new content in namespace ${doomed} because it is being terminated`));
  await until("everything but the held configmap to go", async () => {
    const left = await Promise.all([`/api/v1/namespaces/${doomed}/pods`, `/api/v1/namespaces/${doomed}/services`, `/apis/apps/v1/namespaces/${doomed}/deployments`, `/apis/apps/v1/namespaces/${doomed}/replicasets`].map(list));
    return left.every((items) => items.length === 0);
  });
  assert.equal((await a.request(`/api/v1/namespaces/${doomed}`)).status, 200, "held by the configmap's finalizer");
  // The Service's ClusterIP and NodePort are free again.
  assert.equal((await a.request(`/api/v1/namespaces/${ns}/services`, { method: "POST", body: svc(ns) })).status, 201);
  kubectl(kubectl132, ["-n", doomed, "patch", "configmap", "held", "--type=merge", "-p", '{"metadata":{"finalizers":null}}']);
  await until("the namespace to go", async () => (await a.request(`/api/v1/namespaces/${doomed}`)).status === 404);
  kubectl(kubectl132, ["create", "namespace", doomed]);
});

test("pods/eviction (policy/v1 and v1beta1) deletes the pod, 404 for a missing one; a PodDisruptionBudget is honoured", async () => {
  const a = api!;
  const pod = (name: string, app = "ev"): string => JSON.stringify({ metadata: { name, labels: { app } }, spec: { containers: [{ name: "c", image: "demo:1" }] } });
  const evict = (name: string, apiVersion: string): Promise<{ status: number; body: string }> =>
    a.request(`/api/v1/namespaces/${ns}/pods/${name}/eviction`, { method: "POST", body: JSON.stringify({ apiVersion, kind: "Eviction", metadata: { name, namespace: ns }, deleteOptions: { gracePeriodSeconds: 0 } }) });
  for (const [name, version] of [["e1", "policy/v1"], ["e2", "policy/v1beta1"]] as const) {
    assert.equal((await a.request(`/api/v1/namespaces/${ns}/pods`, { method: "POST", body: pod(name) })).status, 201);
    const r = await evict(name, version);
    assert.equal(r.status, 201, r.body);
    assert.equal((await a.request(`/api/v1/namespaces/${ns}/pods/${name}`)).status, 404);
  }
  const missing = await evict("nope", "policy/v1");
  assert.equal(missing.status, 404, missing.body);
  assert.match(missing.body, /pods \\"nope\\" not found/);
  // A budget of minAvailable 1 over two ready pods allows one eviction, then refuses; a pending pod takes nothing from it.
  const pdb = { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: "guard" }, spec: { minAvailable: 1, selector: { matchLabels: { app: "guarded" } } } };
  assert.equal((await a.request(`/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets`, { method: "POST", body: JSON.stringify(pdb) })).status, 201);
  for (const name of ["g1", "g2", "g3"]) {
    assert.equal((await a.request(`/api/v1/namespaces/${ns}/pods`, { method: "POST", body: pod(name, "guarded") })).status, 201);
    if (name === "g3") continue;
    const p = (await a.request(`/api/v1/namespaces/${ns}/pods/${name}`)).json();
    const status = { phase: "Running", conditions: [{ type: "Ready", status: "True" }] };
    assert.equal((await a.request(`/api/v1/namespaces/${ns}/pods/${name}/status`, { method: "PUT", body: JSON.stringify({ ...p, status }) })).status, 200);
  }
  const first = await evict("g1", "policy/v1");
  assert.equal(first.status, 201, first.body);
  const refused = await evict("g2", "policy/v1");
  assert.equal(refused.status, 429, refused.body);
  assert.match(refused.body, /The disruption budget guard needs 1 healthy pods and has 1 currently/);
  assert.equal((await a.request(`/api/v1/namespaces/${ns}/pods/g2`)).status, 200);
  const budget = (await a.request(`/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets/guard`)).json() as { status: { disruptedPods: Record<string, string> } };
  assert.deepEqual(Object.keys(budget.status.disruptedPods), ["g1"]);
  const pending = await evict("g3", "policy/v1beta1");
  assert.equal(pending.status, 201, pending.body);
});

test("pod GC: terminated pods beyond --terminated-pod-gc-threshold go oldest first; pods of a deleted node go", async () => {
  const a = api!;
  const podgc = "podgc";
  kubectl(kubectl132, ["create", "namespace", podgc]);
  for (const n of ["gc-n1", "gc-n2"]) assert.equal((await a.request("/api/v1/nodes", { method: "POST", body: JSON.stringify({ metadata: { name: n } }) })).status, 201);
  const create = async (name: string, node: string): Promise<void> => {
    const r = await a.request(`/api/v1/namespaces/${podgc}/pods`, { method: "POST", body: JSON.stringify({ metadata: { name }, spec: { nodeName: node, containers: [{ name: "c", image: "demo:1" }] } }) });
    assert.equal(r.status, 201, r.body);
  };
  const finish = async (name: string): Promise<void> => {
    const p = (await a.request(`/api/v1/namespaces/${podgc}/pods/${name}`)).json();
    const r = await a.request(`/api/v1/namespaces/${podgc}/pods/${name}/status`, { method: "PUT", body: JSON.stringify({ ...p, status: { phase: "Succeeded" } }) });
    assert.equal(r.status, 200, r.body);
  };
  // Creation timestamps have one-second resolution: a pause makes the ages distinct.
  for (const name of ["done-1", "done-2", "done-3"]) {
    await create(name, "gc-n1");
    await new Promise((r) => setTimeout(r, 1100));
  }
  await create("running", "gc-n1");
  await create("on-n2", "gc-n2");
  for (const name of ["done-3", "done-1", "done-2"]) await finish(name);
  const names = async (): Promise<string[]> => (await list(`/api/v1/namespaces/${podgc}/pods`)).map((p) => p.metadata.name).sort();
  await until("the oldest terminated pod to go", async () => !(await names()).includes("done-1"));
  assert.deepEqual(await names(), ["done-2", "done-3", "on-n2", "running"]);
  assert.equal((await a.request("/api/v1/nodes/gc-n2", { method: "DELETE" })).status, 200);
  await until("the pod of the deleted node to go", async () => !(await names()).includes("on-n2"));
  assert.deepEqual(await names(), ["done-2", "done-3", "running"]);
});
