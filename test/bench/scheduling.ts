// `skiff bench scheduling`: Kubernetes' scheduler_perf "SchedulingBasic"
// shape through skiff's full path (apiserver on a 3-member skiff store,
// hollow nodes, `skiff scheduler` as a process, pods created through the
// API), for the basic, anti-affinity and taints workloads, printed beside
// the scheduler core alone on the same sizes in the same run and
// Kubernetes' CI thresholds (680 pods/s at 5,000 nodes / 10,000 pods, 810
// at 50,000 pods, with an in-process API server).
//
// Flags: --nodes 5000 --pods 10000 --existing 0 --workload=basic|anti-affinity|taints
// --create-concurrency 64 --kubelets (hollow nodes mark pods Running) --store=etcd (etcd 3.4
// under the apiserver instead of skiff's store) --json
import { runWorkload, type SchedulerCoreFigure, type Workload, workloads } from "./scheduler-core.ts";
import { type FullPathFigure, runFullPath } from "./scheduling-run.ts";

export const kubernetesReference = { "5000 nodes / 10000 pods": 680, "5000 nodes / 50000 pods": 810 };

function flag(args: string[], name: string, fallback: number, allowZero = false): number {
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return fallback;
  const v = args[i]!.includes("=") ? args[i]!.split("=")[1] : args[i + 1];
  const n = Number(v);
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1)) throw new Error(`--${name} needs a ${allowZero ? "non-negative" : "positive"} integer`);
  return n;
}

function progressBar(workload: string): (bound: number, total: number, rate: number) => void {
  let lastLine = 0;
  return (bound, total, rate) => {
    const width = 30;
    const filled = Math.round((bound / total) * width);
    const text = `${workload.padEnd(14)} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${bound.toLocaleString("en")}/${total.toLocaleString("en")} bound, ${Math.round(rate)} pods/s`;
    if (process.stderr.isTTY) process.stderr.write(`\r${text}${bound >= total ? "\n" : ""}`);
    else if (Date.now() - lastLine > 5000 || bound >= total) {
      lastLine = Date.now();
      process.stderr.write(`${text}\n`);
    }
  };
}

const n = (v: number): string => Math.round(v).toLocaleString("en");

export function formatTable(full: FullPathFigure[], core: SchedulerCoreFigure[], store = "skiff"): string {
  const f0 = full[0];
  const lines = [
    `skiff bench scheduling: ${n(f0?.nodes ?? 0)} hollow nodes, ${n(f0?.pods ?? 0)} pods` + (f0 !== undefined && f0.existing > 0 ? ` (after ${n(f0.existing)} existing)` : "") + `, apiserver on a 3-member ${store === "etcd" ? "etcd 3.4" : "skiff"} store, skiff scheduler as a process`,
    "",
    `${"workload".padEnd(15)}${"path".padEnd(12)}${"pods/s".padStart(8)}${"p50/s".padStart(8)}${"p90/s".padStart(8)}${"p99/s".padStart(8)}${"lat p50".padStart(10)}${"lat p99".padStart(10)}${"seconds".padStart(9)}`,
  ];
  for (const w of workloads) {
    const f = full.find((x) => x.workload === w);
    const c = core.find((x) => x.workload === w);
    if (f !== undefined) {
      lines.push(
        `${w.padEnd(15)}${"full".padEnd(12)}${n(f.podsPerSecond).padStart(8)}${n(f.perSecond.p50).padStart(8)}${n(f.perSecond.p90).padStart(8)}${n(f.perSecond.p99).padStart(8)}${`${n(f.latencyMs.p50)} ms`.padStart(10)}${`${n(f.latencyMs.p99)} ms`.padStart(10)}${f.seconds.toFixed(1).padStart(9)}`,
      );
    }
    if (c !== undefined) lines.push(`${"".padEnd(15)}${"core alone".padEnd(12)}${n(c.podsPerSecond).padStart(8)}${n(c.perSecond.p50).padStart(8)}${n(c.perSecond.p90).padStart(8)}${n(c.perSecond.p99).padStart(8)}${"-".padStart(10)}${"-".padStart(10)}${c.seconds.toFixed(1).padStart(9)}`);
  }
  lines.push("", "CPU seconds during the measured phase (full path):");
  for (const f of full) lines.push(`  ${f.workload.padEnd(14)} ${Object.entries(f.cpuSeconds).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(", ")}`);
  lines.push(
    "",
    "p50/p90/p99/s: pods bound in each whole second; lat: create request sent to bind seen on a watch",
    `reference (Kubernetes CI thresholds, SchedulingBasic, in-process API server): 680 pods/s at 5,000 nodes / 10,000 pods, 810 pods/s at 5,000 nodes / 50,000 pods`,
  );
  return `${lines.join("\n")}\n`;
}

export async function main(args: string[]): Promise<number> {
  const nodes = flag(args, "nodes", 5000);
  const pods = flag(args, "pods", 10_000);
  const existing = flag(args, "existing", 0, true);
  const createConcurrency = flag(args, "create-concurrency", 64);
  const store = args.includes("--store=etcd") ? "etcd" : "skiff";
  const only = args.find((a) => a.startsWith("--workload="))?.slice("--workload=".length);
  const chosen: Workload[] = only === undefined ? [...workloads] : workloads.filter((w) => w === only);
  if (chosen.length === 0) {
    process.stderr.write(`unknown workload ${only}; one of ${workloads.join(", ")}\n`);
    return 2;
  }
  const full: FullPathFigure[] = [];
  for (const w of chosen) full.push(await runFullPath(w, nodes, pods, existing, { createConcurrency, store, kubelets: args.includes("--kubelets"), progress: progressBar(w) }));
  // The core alone on the same sizes, after a short warm-up for the JIT.
  await runWorkload("basic", Math.min(nodes, 500), Math.min(pods, 1000));
  const core: SchedulerCoreFigure[] = [];
  for (const w of chosen) core.push(await runWorkload(w, nodes, pods, existing));
  if (args.includes("--json")) {
    process.stdout.write(`${JSON.stringify({ bench: "scheduling", store, referencePodsPerSecond: kubernetesReference, full, core })}\n`);
  } else {
    process.stdout.write(formatTable(full, core, store));
  }
  return full.every((f) => f.bound === f.pods) ? 0 : 1;
}
