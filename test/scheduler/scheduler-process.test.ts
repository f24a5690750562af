// `skiff scheduler` as a process against `skiff apiserver` on a 3-member
// skiff store: pods created through the API are bound to fitting nodes (Node
// objects only, no containers), a pod that fits nowhere gets
// PodScheduled=False and a FailedScheduling Event with kube's message and is
// bound once a node that fits appears, pods of another scheduler are left
// alone, a pod of higher priority preempts a lower one, and of two
// schedulers with --leader-elect one acts and the other takes over when the
// first is killed.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ApiServerProcess } from "../support/apiserver.ts";
import { sample } from "../support/metrics.ts";
import { freePort } from "../support/ports.ts";
import { SchedulerProcess } from "../support/scheduler.ts";

let api: ApiServerProcess;
const schedulers: SchedulerProcess[] = [];

before(async () => {
  api = await ApiServerProcess.start("skiff");
});
after(async () => {
  await Promise.allSettled(schedulers.map((s) => s.kill()));
  await api?.stop();
});

function start(args: string[] = []): SchedulerProcess {
  const s = SchedulerProcess.start(api.kubeconfig, args);
  schedulers.push(s);
  return s;
}

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function until<T>(what: string, check: () => Promise<T | undefined>, diagnostics: () => string = () => ""): Promise<T> {
  for (let i = 0; i < 900; i++) {
    const v = await check();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`gave up waiting for ${what}\n${diagnostics()}`);
}

async function post(path: string, body: unknown): Promise<Obj> {
  const r = await api.request(path, { method: "POST", body: JSON.stringify(body) });
  assert.ok(r.status < 300, `POST ${path}: ${r.status} ${r.body}`);
  return r.json();
}

async function get(path: string): Promise<Obj> {
  const r = await api.request(path);
  assert.equal(r.status, 200, `GET ${path}: ${r.body}`);
  return r.json();
}

function node(name: string, cpu: string): unknown {
  return {
    metadata: { name, labels: { "kubernetes.io/hostname": name } },
    status: {
      capacity: { cpu, memory: "8Gi", pods: "110" },
      allocatable: { cpu, memory: "8Gi", pods: "110" },
      conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", message: "hollow" }],
    },
  };
}

function pod(name: string, cpu: string, schedulerName?: string): unknown {
  return {
    metadata: { name },
    spec: {
      ...(schedulerName === undefined ? {} : { schedulerName }),
      containers: [{ name: "app", image: "skiff/demo-app", resources: { requests: { cpu, memory: "100Mi" } } }],
    },
  };
}

const cpuMilli = (q: string): number => (q.endsWith("m") ? Number(q.slice(0, -1)) : Number(q) * 1000);

async function nodeOf(ns: string, name: string): Promise<string | undefined> {
  const p = await get(`/api/v1/namespaces/${ns}/pods/${name}`);
  const n = p.spec?.nodeName as string | undefined;
  return n === undefined || n === "" ? undefined : n;
}

async function events(ns: string, podName: string, reason: string): Promise<Obj[]> {
  const list = await get(`/api/v1/namespaces/${ns}/events`);
  return (list.items as Obj[]).filter((e) => e.involvedObject?.name === podName && e.reason === reason);
}

test("pods are bound to fitting nodes; one that fits nowhere is reported as kube-scheduler does and bound when a node fits", async () => {
  await post("/api/v1/namespaces", { metadata: { name: "s1" } });
  await post("/api/v1/nodes", node("n1", "2"));
  await post("/api/v1/nodes", node("n2", "1"));
  const metricsPort = await freePort();
  const s = start(["--metrics-bind-address", `127.0.0.1:${metricsPort}`]);
  const names = ["p1", "p2", "p3", "p4", "p5"];
  for (const n of names) await post("/api/v1/namespaces/s1/pods", pod(n, "500m"));
  await post("/api/v1/namespaces/s1/pods", pod("big", "3"));
  await post("/api/v1/namespaces/s1/pods", pod("theirs", "10m", "other-scheduler"));

  const placed = new Map<string, string>();
  for (const n of names) placed.set(n, await until(`${n} bound`, () => nodeOf("s1", n), () => s.output()));
  const used = new Map<string, number>();
  for (const nodeName of placed.values()) used.set(nodeName, (used.get(nodeName) ?? 0) + 500);
  assert.ok((used.get("n1") ?? 0) <= cpuMilli("2") && (used.get("n2") ?? 0) <= cpuMilli("1"), `requests fit allocatable: ${JSON.stringify([...placed])}`);

  const expected = "0/2 nodes are available: 2 Insufficient cpu.";
  const condition = await until("PodScheduled=False on big", async () => {
    const p = await get("/api/v1/namespaces/s1/pods/big");
    return (p.status?.conditions as Obj[] | undefined)?.find((c) => c.type === "PodScheduled");
  });
  assert.equal(condition.status, "False");
  assert.equal(condition.reason, "Unschedulable");
  assert.ok(String(condition.message).startsWith(expected), condition.message);
  const failed = await until("a FailedScheduling event", async () => (await events("s1", "big", "FailedScheduling"))[0]);
  assert.equal(failed.type, "Warning");
  assert.equal(failed.message, condition.message);
  assert.equal(failed.source?.component, "default-scheduler");
  assert.equal(failed.involvedObject?.kind, "Pod");

  // The pod stays pending until a node that fits appears.
  assert.equal(await nodeOf("s1", "big"), undefined);
  await post("/api/v1/nodes", node("n3", "4"));
  assert.equal(await until("big bound", () => nodeOf("s1", "big"), () => s.output()), "n3");
  const scheduled = await until("a Scheduled event", async () => (await events("s1", "big", "Scheduled"))[0]);
  assert.equal(scheduled.message, "Successfully assigned s1/big to n3");
  assert.equal(scheduled.type, "Normal");

  // kube-scheduler's metrics on --metrics-bind-address: 6 pods scheduled, big at least once unschedulable.
  const metrics = await until("scheduling metrics", async () => {
    const text = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text());
    return sample(text, "scheduler_schedule_attempts_total", { result: "scheduled" }) >= 6 ? text : undefined;
  }, () => s.output());
  assert.ok(sample(metrics, "scheduler_schedule_attempts_total", { result: "unschedulable" }) >= 1, metrics);
  assert.ok(sample(metrics, "scheduler_scheduling_attempt_duration_seconds_count", { result: "scheduled" }) >= 6, metrics);
  assert.equal(sample(metrics, "scheduler_pending_pods", { queue: "active" }), 0, metrics);

  // The scheduler saw "theirs" before it saw "big" (list and watch keep creation order), and left it alone.
  const theirs = await get("/api/v1/namespaces/s1/pods/theirs");
  assert.equal(theirs.spec.nodeName ?? "", "");
  assert.equal(theirs.status?.conditions, undefined);
  assert.equal((await events("s1", "theirs", "FailedScheduling")).length, 0);
  assert.equal(await s.terminate(), 0);
});

test("two schedulers with --leader-elect: one acts, and killing it hands over to the other", async () => {
  await post("/api/v1/namespaces", { metadata: { name: "s2" } });
  // Longer than the defaults (4s/3s/1s) so that a leader on this shared, loaded machine does not lose its
  // lease to a slow renewal before the test kills it; the flags are exercised on the way.
  const flags = ["--leader-elect", "--leader-elect-lease-duration", "8s", "--leader-elect-renew-deadline=6s", "--leader-elect-retry-period", "1s"];
  const both = [start(flags), start(flags)];
  const logs = (): string => both.map((s, i) => `--- scheduler ${i}:\n${s.output()}`).join("\n");
  const lease = async (): Promise<Obj | undefined> => {
    const r = await api.request("/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler");
    return r.status === 200 ? r.json() : undefined;
  };
  /** The process that holds the Lease now (the Lease may be read before the winner's first log line, which names it). */
  const holder = (): Promise<SchedulerProcess> =>
    until("a leader", async () => {
      const id = (await lease())?.spec?.holderIdentity as string | undefined;
      return id === undefined || id === "" ? undefined : both.find((s) => s.identity() === id);
    }, logs);

  const first = await holder();
  const l = (await lease())!;
  assert.equal(l.spec.leaseDurationSeconds, 8);
  assert.match(l.spec.renewTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);

  for (let i = 0; i < 5; i++) await post("/api/v1/namespaces/s2/pods", pod(`before-${i}`, "10m"));
  for (let i = 0; i < 5; i++) await until(`before-${i} bound`, () => nodeOf("s2", `before-${i}`), logs);
  const leader = await holder();
  assert.equal(leader, first, `the first leader still leads\n${logs()}`);
  const standby = both.find((s) => s !== leader)!;
  assert.equal(leader.isScheduling(), true, `the leader schedules\n${logs()}`);
  assert.equal(standby.isScheduling(), false, `the standby does not schedule\n${logs()}`);

  await leader.kill();
  for (let i = 0; i < 5; i++) await post("/api/v1/namespaces/s2/pods", pod(`after-${i}`, "10m"));
  for (let i = 0; i < 5; i++) await until(`after-${i} bound`, () => nodeOf("s2", `after-${i}`), logs);
  assert.equal(standby.isScheduling(), true, `the standby took over\n${logs()}`);
  const second = await lease();
  assert.equal(second?.spec?.holderIdentity, standby.identity(), logs());
  assert.ok((second?.spec?.leaseTransitions as number) >= 1, "the takeover counts a transition");
  assert.equal(await standby.terminate(), 0, `a clean stop\n${logs()}`);
  // A leader that stops cleanly releases the lease.
  const released = await lease();
  assert.equal(released?.spec?.holderIdentity ?? "", "", logs());
});

test("preemption: a pod of higher priority evicts a lower one through the API and takes its place", async () => {
  await post("/api/v1/namespaces", { metadata: { name: "s3" } });
  await post("/api/v1/nodes", node("small", "1"));
  const s = start();
  const onSmall = (name: string, priority: number): Obj => {
    const p = pod(name, "800m") as Obj;
    p.spec.priority = priority;
    p.spec.nodeSelector = { "kubernetes.io/hostname": "small" };
    return p;
  };
  await post("/api/v1/namespaces/s3/pods", onSmall("low", 0));
  assert.equal(await until("low bound", () => nodeOf("s3", "low"), () => s.output()), "small");
  await post("/api/v1/namespaces/s3/pods", onSmall("high", 1000));
  // The scheduler deletes the victim gracefully (deletionTimestamp set); with
  // no kubelet here, the test finishes the delete as the node's kubelet would.
  const terminating = await until("low terminating", async () => {
    const r = await api.request("/api/v1/namespaces/s3/pods/low");
    const meta = r.status === 200 ? (r.json().metadata as Obj) : undefined;
    return meta?.deletionTimestamp !== undefined ? meta : undefined;
  }, () => s.output());
  const uid = terminating.uid as string;
  const forced = await api.request("/api/v1/namespaces/s3/pods/low", {
    method: "DELETE",
    body: JSON.stringify({ kind: "DeleteOptions", apiVersion: "v1", gracePeriodSeconds: 0, preconditions: { uid } }),
  });
  assert.equal(forced.status, 200, forced.body);
  assert.equal(await until("high bound", () => nodeOf("s3", "high"), () => s.output()), "small");
  const gone = await api.request("/api/v1/namespaces/s3/pods/low");
  assert.equal(gone.status, 404, "the victim was deleted");
  const preempted = await until("a Preempted event", async () => (await events("s3", "low", "Preempted"))[0]);
  assert.equal(preempted.message, "Preempted by s3/high on node small");
  assert.equal(await s.terminate(), 0);
});
