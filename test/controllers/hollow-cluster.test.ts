// A cluster of 5 hollow nodes (in this process) with `skiff apiserver` on a
// 3-member skiff store, `skiff scheduler`, and two `skiff controller-manager`
// processes with --leader-elect. A Deployment of 10 spreads 2 per node; a
// node silent for less than the grace period loses no pod; a node that stops
// renewing its Lease goes NotReady, is tainted, and its pods are replaced on
// the others, and it comes back Ready when it renews again; taints and node
// affinity are honoured; killing the active controller manager hands over
// to the standby and work continues. (A pod that fits nowhere, and scheduler
// failover, are covered in test/scheduler/scheduler-process.test.ts.)
//
// The grace period is 6 s here rather than skiff's 4 s default: this shared,
// loaded machine can delay a hollow node's renewals by seconds, and a test
// of "a short silence loses no pod" must not fail because of it.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { HollowNodes } from "../../node-agent/hollow/hollow-nodes.ts";
import { ApiServerProcess, kubectl132 } from "../support/apiserver.ts";
import { SchedulerProcess } from "../support/scheduler.ts";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ns = "hollow";
const nodeNames = ["h-0", "h-1", "h-2", "h-3", "h-4"];
let api: ApiServerProcess;
let hollow: HollowNodes | undefined;
const processes: SchedulerProcess[] = [];
const managers: SchedulerProcess[] = [];

before(async () => {
  api = await ApiServerProcess.start("skiff");
  hollow = HollowNodes.fromFile(api.kubeconfig, { heartbeatMs: 1000 });
  await hollow.start();
  await hollow.add(nodeNames.map((name) => ({ name, cpu: "4", memory: "16Gi" })));
  processes.push(SchedulerProcess.start(api.kubeconfig, []));
  const election = ["--leader-elect", "--leader-elect-lease-duration=8s", "--leader-elect-renew-deadline=6s", "--leader-elect-retry-period=1s"];
  for (let i = 0; i < 2; i++) managers.push(SchedulerProcess.startCommand("controller-manager", api.kubeconfig, [...election, "--node-monitor-grace-period=6s"]));
  processes.push(...managers);
  assert.equal((await api.request("/api/v1/namespaces", { method: "POST", body: JSON.stringify({ metadata: { name: ns } }) })).status, 201);
});

after(async () => {
  await Promise.allSettled(processes.map((p) => p.kill()));
  await hollow?.stop();
  await api?.stop();
});

const logs = (): string => processes.map((p, i) => `--- process ${i}:\n${p.output().slice(-1500)}`).join("\n");

async function until<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 1200; i++) {
    const v = await check();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`gave up waiting for ${what}\n${logs()}`);
}

async function get(path: string): Promise<Obj> {
  const r = await api.request(path);
  assert.equal(r.status, 200, `GET ${path}: ${r.body}`);
  return r.json();
}

async function post(path: string, body: unknown): Promise<void> {
  const r = await api.request(path, { method: "POST", body: JSON.stringify(body) });
  assert.ok(r.status < 300, `POST ${path}: ${r.status} ${r.body}`);
}

/** kubectl without blocking this process's event loop (the hollow nodes live in it). */
function kubectl(args: string[]): Promise<{ status: number; output: string }> {
  const proc = spawn(kubectl132, ["--kubeconfig", api.kubeconfig, "--cache-dir", join(api.dir, "kube-cache-hollow"), ...args], { stdio: ["ignore", "pipe", "pipe"], env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: api.dir } });
  let output = "";
  proc.stdout.on("data", (b: Buffer) => (output += b.toString()));
  proc.stderr.on("data", (b: Buffer) => (output += b.toString()));
  return new Promise((resolve) => proc.once("exit", (code) => resolve({ status: code ?? -1, output })));
}

function deployment(name: string, replicas: number, podSpec: Obj = {}): Obj {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "skiff/demo-app", resources: { requests: { cpu: "100m", memory: "64Mi" } } }], ...podSpec } },
    },
  };
}

const isReady = (p: Obj): boolean => p.status?.phase === "Running" && (p.status.conditions ?? []).some((c: Obj) => c.type === "Ready" && c.status === "True");

async function pods(app: string): Promise<Obj[]> {
  return (await get(`/api/v1/namespaces/${ns}/pods?labelSelector=app%3D${app}`)).items as Obj[];
}

/** Waits until the app has exactly n pods, all bound and Ready; returns them. */
async function readyPods(app: string, n: number): Promise<Obj[]> {
  return until(`${n} ready pods of ${app}`, async () => {
    const list = await pods(app);
    return list.length === n && list.every(isReady) ? list : undefined;
  });
}

function perNode(list: Obj[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of list) out.set(p.spec.nodeName, (out.get(p.spec.nodeName) ?? 0) + 1);
  return out;
}

async function node(name: string): Promise<Obj> {
  return get(`/api/v1/nodes/${name}`);
}

test("a Deployment of 10 replicas spreads 2 per node over 5 hollow nodes, all Running and Ready", async () => {
  await post(`/apis/apps/v1/namespaces/${ns}/deployments`, deployment("web", 10));
  const list = await readyPods("web", 10);
  assert.deepEqual([...perNode(list).entries()].sort(), nodeNames.map((n) => [n, 2]));
});

test("a node silent for less than the grace period loses no pod", async () => {
  const before = (await pods("web")).map((p) => p.metadata.uid as string).sort();
  hollow!.pause("h-0");
  await new Promise((r) => setTimeout(r, 2000));
  hollow!.resume("h-0");
  // Longer than grace (6 s) + toleration (2 s): an eviction would have happened by now.
  await new Promise((r) => setTimeout(r, 10_000));
  const now = await pods("web");
  assert.deepEqual(now.map((p) => p.metadata.uid as string).sort(), before, "the same pods");
  assert.ok(now.every(isReady));
  const h0 = await node("h-0");
  assert.equal(h0.status.conditions.find((c: Obj) => c.type === "Ready").status, "True");
  assert.equal((h0.spec.taints ?? []).length, 0);
});

test("a node that stops renewing its Lease goes NotReady and tainted, its pods move to the others, and it comes back", async () => {
  const started = Date.now();
  hollow!.pause("h-1");
  const tainted = await until("h-1 Ready=Unknown with the unreachable NoExecute taint", async () => {
    const n = await node("h-1");
    const ready = n.status.conditions.find((c: Obj) => c.type === "Ready");
    return ready.status === "Unknown" && (n.spec.taints ?? []).some((t: Obj) => t.key === "node.kubernetes.io/unreachable" && t.effect === "NoExecute") ? n : undefined;
  });
  assert.ok((tainted.spec.taints as Obj[]).some((t) => t.key === "node.kubernetes.io/unreachable" && t.effect === "NoSchedule"));
  const got = await kubectl(["get", "node", "h-1", "--no-headers"]);
  assert.match(got.output, /^h-1\s+NotReady\s/, got.output);
  const moved = await until("10 ready pods of web, none on h-1", async () => {
    const list = await pods("web");
    return list.length === 10 && list.every(isReady) && list.every((p) => p.spec.nodeName !== "h-1") ? list : undefined;
  });
  process.stdout.write(`# pods replaced ${((Date.now() - started) / 1000).toFixed(1)} s after h-1 fell silent (grace 6 s + toleration 2 s)\n`);
  assert.equal(perNode(moved).get("h-1"), undefined);
  hollow!.resume("h-1");
  await until("h-1 Ready with no taint", async () => {
    const n = await node("h-1");
    return n.status.conditions.find((c: Obj) => c.type === "Ready").status === "True" && (n.spec.taints ?? []).length === 0 ? true : undefined;
  });
});

test("taints and node affinity are honoured", async () => {
  const taint = await kubectl(["taint", "node", "h-2", "dedicated=infra:NoSchedule"]);
  assert.equal(taint.status, 0, taint.output);
  for (const n of ["h-3", "h-4"]) {
    const label = await kubectl(["label", "node", n, "disk=ssd"]);
    assert.equal(label.status, 0, label.output);
  }
  const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "disk", operator: "In", values: ["ssd"] }] }] } } };
  await post(`/apis/apps/v1/namespaces/${ns}/deployments`, deployment("ssd", 4, { affinity }));
  await post(`/apis/apps/v1/namespaces/${ns}/deployments`, deployment("infra", 2, { nodeSelector: { "kubernetes.io/hostname": "h-2" }, tolerations: [{ key: "dedicated", operator: "Equal", value: "infra", effect: "NoSchedule" }] }));
  await post(`/apis/apps/v1/namespaces/${ns}/deployments`, deployment("plain", 8));
  const ssd = await readyPods("ssd", 4);
  assert.ok(ssd.every((p) => p.spec.nodeName === "h-3" || p.spec.nodeName === "h-4"), JSON.stringify([...perNode(ssd)]));
  const infra = await readyPods("infra", 2);
  assert.ok(infra.every((p) => p.spec.nodeName === "h-2"));
  const plain = await readyPods("plain", 8);
  assert.equal(perNode(plain).get("h-2"), undefined, "no pod without the toleration lands on the tainted node");
});

test("killing the active controller manager hands over to the standby, and work continues", async () => {
  const holder = async (): Promise<SchedulerProcess | undefined> => {
    const r = await api.request("/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-controller-manager");
    const id = r.status === 200 ? (r.json().spec as Obj | undefined)?.holderIdentity : undefined;
    return managers.find((m) => m.identity() !== "" && m.identity() === id);
  };
  const leader = await until("a controller manager leading", holder);
  const standby = managers.find((m) => m !== leader)!;
  assert.equal(standby.hasLogged("controllers running"), false, "the standby does not act");
  await leader.kill();
  const scale = await kubectl(["-n", ns, "scale", "deployment/web", "--replicas=13"]);
  assert.equal(scale.status, 0, scale.output);
  await readyPods("web", 13);
  assert.equal(standby.hasLogged("controllers running"), true, "the standby took over");
  assert.equal(await holder(), standby);
});
