// One workload of `skiff bench scheduling` through the full path: `skiff
// apiserver` on a 3-member skiff store, hollow nodes registered through the
// API, `skiff scheduler` as its own process, pods created through the API by
// this process, binds seen on a pod watch. Also the CPU seconds each process
// spent during the measured phase, to say where the time goes.
import { readFileSync } from "node:fs";
import { KubeConfig, Watch, type V1Pod } from "@kubernetes/client-node";
import { HollowNodes, type HollowNodeSpec } from "../../node-agent/hollow/hollow-nodes.ts";
import { ApiClient } from "../../proto/kube/api-client.ts";
import { ApiServerProcess } from "../support/apiserver.ts";
import { SchedulerProcess } from "../support/scheduler.ts";
import type { StoreKind } from "../support/store-cluster.ts";
import { nodeFor, percentile, podFor, type Workload } from "./scheduler-core.ts";

export interface RunOptions {
  createConcurrency: number;
  /** The apiserver's store: skiff's (the figure) or etcd 3.4 (to see what the store costs). */
  store: StoreKind;
  /** Hollow nodes mark bound pods Running (kubemark); off is scheduler_perf's shape. */
  kubelets: boolean;
  progress: (bound: number, total: number, podsPerSecond: number) => void;
}

export interface FullPathFigure {
  workload: Workload;
  nodes: number;
  pods: number;
  existing: number;
  bound: number;
  seconds: number;
  podsPerSecond: number;
  perSecond: { p50: number; p90: number; p99: number; samples: number };
  /** From the create request being sent to the bind being seen on the watch. */
  latencyMs: { p50: number; p99: number };
  /** Seconds to register the hollow nodes. */
  nodeSetupSeconds: number;
  /** CPU seconds per process during the measured phase. */
  cpuSeconds: Record<string, number>;
}

const ns = "bench";

function cpuOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    // utime and stime, fields 14 and 15, in clock ticks (100 per second here); the name in parens may hold spaces.
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

function specOf(workload: Workload, i: number): HollowNodeSpec {
  const n = nodeFor(workload, i);
  return { name: n.metadata!.name!, labels: n.metadata?.labels, ...(n.spec?.taints === undefined ? {} : { taints: n.spec.taints }), cpu: "4", memory: "32Gi", pods: "110" };
}

function apiPod(workload: Workload, i: number, name: string): V1Pod {
  const p = podFor(workload, i);
  return { apiVersion: "v1", kind: "Pod", metadata: { name, labels: p.metadata?.labels }, spec: p.spec };
}

/** Runs count creates with at most `concurrency` in flight. */
async function createAll(client: ApiClient, count: number, concurrency: number, make: (i: number) => V1Pod, sent: (name: string) => void): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const pod = make(next++);
      sent(pod.metadata!.name!);
      await client.create(`/api/v1/namespaces/${ns}/pods`, pod);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

export async function runFullPath(workload: Workload, nodes: number, pods: number, existing: number, opts: RunOptions): Promise<FullPathFigure> {
  const api = await ApiServerProcess.start(opts.store);
  let hollow: HollowNodes | undefined;
  let scheduler: SchedulerProcess | undefined;
  let abort: AbortController | undefined;
  const kc = new KubeConfig();
  kc.loadFromFile(api.kubeconfig);
  const client = new ApiClient(kc, 30_000, opts.createConcurrency);
  try {
    await client.create("/api/v1/namespaces", { metadata: { name: ns } });
    hollow = new HollowNodes(kc, { heartbeatMs: 0, runPods: opts.kubelets, concurrency: 64 });
    await hollow.start();
    const t0 = performance.now();
    await hollow.add(Array.from({ length: nodes }, (_, i) => specOf(workload, i)));
    const nodeSetupSeconds = (performance.now() - t0) / 1000;

    const sentAt = new Map<string, number>();
    const boundAt = new Map<string, number>();
    let onBound = (): void => undefined;
    abort = await new Watch(kc).watch(
      `/api/v1/namespaces/${ns}/pods`,
      {},
      (_type, obj: V1Pod) => {
        const name = obj.metadata?.name ?? "";
        if (obj.spec?.nodeName !== undefined && obj.spec.nodeName !== "" && !boundAt.has(name)) {
          boundAt.set(name, performance.now());
          onBound();
        }
      },
      () => undefined,
    );
    const boundCount = (prefix: string): number => [...boundAt.keys()].filter((n) => n.startsWith(prefix)).length;
    const waitBound = (prefix: string, n: number): Promise<void> =>
      new Promise((resolve, reject) => {
        const deadline = Date.now() + 15 * 60_000;
        const check = (): void => {
          const seen = boundCount(prefix);
          if (seen >= n) resolve();
          else if (Date.now() > deadline) reject(new Error(`only ${seen} of ${n} ${prefix} pods bound after 15 minutes\n${scheduler?.output() ?? ""}`));
          else setTimeout(check, 50);
        };
        check();
      });

    scheduler = SchedulerProcess.start(api.kubeconfig, []);
    // A first pod bound means the scheduler has listed every node.
    await client.create(`/api/v1/namespaces/${ns}/pods`, apiPod("basic", 0, "warmup"));
    await waitBound("warmup", 1);
    if (existing > 0) {
      await createAll(client, existing, opts.createConcurrency, (i) => apiPod("basic", i, `existing-${i}`), () => undefined);
      await waitBound("existing-", existing);
    }

    const procs: Record<string, number | undefined> = { apiserver: api.proc?.pid, scheduler: scheduler.pid };
    api.store.members.forEach((m) => (procs[`store ${m.name}`] = m.proc?.pid));
    const cpu0 = Object.fromEntries(Object.entries(procs).map(([k, pid]) => [k, cpuOf(pid)]));
    const self0 = process.cpuUsage();
    const started = performance.now();
    let measured = 0;
    onBound = () => measured++;
    const ticker = setInterval(() => opts.progress(measured, pods, measured / ((performance.now() - started) / 1000)), 250);
    try {
      await createAll(client, pods, opts.createConcurrency, (i) => apiPod(workload, i, `pod-${i}`), (name) => sentAt.set(name, performance.now()));
      await waitBound("pod-", pods);
    } finally {
      clearInterval(ticker);
    }
    const binds = [...boundAt.entries()].filter(([n]) => n.startsWith("pod-"));
    const last = Math.max(...binds.map(([, t]) => t));
    const seconds = (last - started) / 1000;
    opts.progress(binds.length, pods, binds.length / seconds);
    const self = process.cpuUsage(self0);
    const cpuSeconds = Object.fromEntries(Object.entries(procs).map(([k, pid]) => [k, cpuOf(pid) - cpu0[k]!]));
    cpuSeconds["bench (client, hollow nodes, watch)"] = (self.user + self.system) / 1e6;

    const buckets: number[] = [];
    for (const [, t] of binds) {
      const b = Math.floor((t - started) / 1000);
      buckets[b] = (buckets[b] ?? 0) + 1;
    }
    const series = Array.from({ length: Math.floor(seconds) }, (_, i) => buckets[i] ?? 0).sort((a, b) => a - b);
    const latencies = binds.map(([n, t]) => t - (sentAt.get(n) ?? t)).sort((a, b) => a - b);
    return {
      workload,
      nodes,
      pods,
      existing,
      bound: binds.length,
      seconds,
      podsPerSecond: binds.length / seconds,
      perSecond: { p50: percentile(series, 50), p90: percentile(series, 90), p99: percentile(series, 99), samples: series.length },
      latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) },
      nodeSetupSeconds,
      cpuSeconds,
    };
  } finally {
    abort?.abort();
    // SIGTERM first, so that a run under NODE_OPTIONS=--cpu-prof leaves each process's profile.
    if (scheduler !== undefined && (await Promise.race([scheduler.terminate(), new Promise((r) => setTimeout(() => r("slow"), 5000))])) === "slow") await scheduler.kill();
    await hollow?.stop();
    client.close();
    const apiProc = api.proc;
    if (apiProc !== undefined) {
      const exited = new Promise((r) => apiProc.once("exit", r));
      apiProc.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    }
    await api.stop();
  }
}
