// The scheduler core alone: no API server, no network. 5,000 in-memory nodes
// and 10,000 pending pods in the shape of Kubernetes' scheduler_perf
// "SchedulingBasic" (nodes of 4 cpu / 32Gi / 110 pods, pods requesting 100m
// cpu and 500Mi), bound through an in-memory binder that answers after a
// microtask. Figures: pods bound per second, average and the per-second
// series' p50/p90/p99. Two more workloads: pod anti-affinity (groups of 10
// replicas kept one per node) and taints (half the nodes NoSchedule, a
// quarter PreferNoSchedule).
//
// Reference: Kubernetes' CI threshold for SchedulingBasic at 5,000 nodes and
// 10,000 pods is 680 pods/s, measured through an in-process API server, so
// the core alone is expected to run well above it.
import { FakeCluster, Scheduler, makeNode, makePod, seededRandom, type Node, type Pod } from "@skiff/control-plane/scheduler";

export const kubernetesReferencePodsPerSecond = 680;

export type Workload = "basic" | "anti-affinity" | "taints";
export const workloads: readonly Workload[] = ["basic", "anti-affinity", "taints"];

export interface SchedulerCoreFigure {
  workload: Workload;
  nodes: number;
  pods: number;
  existing: number;
  bound: number;
  seconds: number;
  podsPerSecond: number;
  /** Percentiles of the pods bound in each whole second of the run. */
  perSecond: { p50: number; p90: number; p99: number; samples: number };
}

export function nodeFor(workload: Workload, i: number): Node {
  const taints =
    workload !== "taints" || i % 4 >= 3
      ? undefined
      : i % 4 < 2
        ? [{ key: "dedicated", value: "infra", effect: "NoSchedule" }]
        : [{ key: "spot", value: "true", effect: "PreferNoSchedule" }];
  return makeNode(`node-${i}`, { cpu: "4", memory: "32Gi", pods: "110", taints, labels: { "topology.kubernetes.io/zone": `zone-${i % 3}` } });
}

export function podFor(workload: Workload, i: number): Pod {
  const group = `group-${Math.floor(i / 10)}`;
  if (workload === "anti-affinity") {
    return makePod(`pod-${i}`, {
      cpu: "100m",
      memory: "500Mi",
      labels: { group },
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { group } } }],
        },
      },
    });
  }
  return makePod(`pod-${i}`, { cpu: "100m", memory: "500Mi", labels: { group } });
}

/** Nearest-rank percentile of an ascending series. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export async function runWorkload(workload: Workload, nodes: number, pods: number, existing = 0): Promise<SchedulerCoreFigure> {
  const bindTimes: number[] = [];
  const cluster = new FakeCluster({ onBound: () => bindTimes.push(performance.now()) });
  for (let i = 0; i < nodes; i++) cluster.addNode(nodeFor(workload, i));
  // Pods already running before the measured ones arrive, spread round-robin (scheduler_perf's initial pods).
  for (let i = 0; i < existing; i++) {
    cluster.createPod(makePod(`existing-${i}`, { cpu: "100m", memory: "500Mi", nodeName: `node-${(i * 7) % nodes}`, labels: { group: "existing" } }));
  }
  const scheduler = new Scheduler({ source: cluster, binder: cluster, recorder: cluster, random: seededRandom(1), preemption: false });
  scheduler.connect();
  const pending = Array.from({ length: pods }, (_, i) => podFor(workload, i));
  // The clock starts before the pods arrive: taking them in (the informer's
  // work, parsing requests, queueing) is part of the scheduler's cost.
  const started = performance.now();
  for (const pod of pending) cluster.createPod(pod);
  await scheduler.drain();
  const seconds = (performance.now() - started) / 1000;
  await scheduler.stop();
  // Pods bound in each whole second since the start; the last, partial second is left out.
  const buckets: number[] = [];
  for (const t of bindTimes) {
    const b = Math.floor((t - started) / 1000);
    buckets[b] = (buckets[b] ?? 0) + 1;
  }
  const whole = Math.floor(seconds);
  const series = Array.from({ length: whole }, (_, i) => buckets[i] ?? 0).sort((a, b) => a - b);
  return {
    workload,
    nodes,
    pods,
    existing,
    bound: bindTimes.length,
    seconds,
    podsPerSecond: bindTimes.length / seconds,
    perSecond: { p50: percentile(series, 50), p90: percentile(series, 90), p99: percentile(series, 99), samples: series.length },
  };
}

function flag(args: string[], name: string, fallback: number, allowZero = false): number {
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return fallback;
  const v = args[i]!.includes("=") ? args[i]!.split("=")[1] : args[i + 1];
  const n = Number(v);
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1)) throw new Error(`--${name} needs a ${allowZero ? "non-negative" : "positive"} integer`);
  return n;
}

export function formatTable(figures: readonly SchedulerCoreFigure[]): string {
  const n = (v: number) => Math.round(v).toLocaleString("en");
  const lines = [
    `scheduler core alone (no API server), ${figures[0]?.nodes.toLocaleString("en")} nodes, ${figures[0]?.pods.toLocaleString("en")} pods` +
      (figures[0] !== undefined && figures[0].existing > 0 ? ` (${figures[0].existing.toLocaleString("en")} already running)` : ""),
    "",
    `${"workload".padEnd(15)}${"bound".padStart(8)}${"seconds".padStart(9)}${"pods/s".padStart(9)}${"p50/s".padStart(8)}${"p90/s".padStart(8)}${"p99/s".padStart(8)}${"whole s".padStart(9)}`,
  ];
  for (const f of figures) {
    const ps = f.perSecond.samples > 0 ? [n(f.perSecond.p50), n(f.perSecond.p90), n(f.perSecond.p99)] : ["-", "-", "-"];
    lines.push(`${f.workload.padEnd(15)}${n(f.bound).padStart(8)}${f.seconds.toFixed(2).padStart(9)}${n(f.podsPerSecond).padStart(9)}${ps.map((s) => s.padStart(8)).join("")}${String(f.perSecond.samples).padStart(9)}`);
  }
  lines.push(
    "",
    "p50/p90/p99: pods bound in each whole second of the run (\"whole s\" of them; the last, partial second is left out)",
    `reference: Kubernetes CI threshold, SchedulingBasic 5,000 nodes / 10,000 pods: ${kubernetesReferencePodsPerSecond} pods/s (through an in-process API server)`,
  );
  return `${lines.join("\n")}\n`;
}

export async function main(args: string[]): Promise<number> {
  const nodes = flag(args, "nodes", 5000);
  const pods = flag(args, "pods", 10_000);
  const existing = flag(args, "existing", 0, true);
  const only = args.find((a) => a.startsWith("--workload="))?.slice("--workload=".length);
  const chosen = only === undefined ? workloads : workloads.filter((w) => w === only);
  if (chosen.length === 0) {
    process.stderr.write(`unknown workload ${only}; one of ${workloads.join(", ")}\n`);
    return 2;
  }
  // A short warm-up so the first workload does not pay for the JIT.
  await runWorkload("basic", Math.min(nodes, 500), Math.min(pods, 1000));
  const figures: SchedulerCoreFigure[] = [];
  for (const w of chosen) figures.push(await runWorkload(w, nodes, pods, existing));
  if (args.includes("--json")) {
    process.stdout.write(`${JSON.stringify({ bench: "scheduler-core", referencePodsPerSecond: kubernetesReferencePodsPerSecond, figures })}\n`);
  } else {
    process.stdout.write(formatTable(figures));
  }
  return figures.every((f) => f.bound === f.pods) ? 0 : 1;
}
