// `skiff bench startup [--pods 30] [--nodes 3] [--json]`: pod startup
// latency, Kubernetes' SLI (create → Running and Ready, as seen by a
// client of the API server), for N demo-app pods created at once on a
// cluster of real node-agent containers (store, API server and scheduler as
// host processes), next to `docker run -d` of the same image, the same
// number of containers at once on the same network, in the same run (from
// the command to the container running). Goals (issue 7): p99 under 2 s
// (Kubernetes' SLO is 5 s at p99) and skiff under 1.5× raw Docker.
import { execFile } from "node:child_process";
import type { V1Pod, V1PodList } from "@kubernetes/client-node";
import { LocalCluster } from "../support/local-cluster.ts";

interface Figures {
  p50: number;
  p99: number;
  max: number;
}

function figures(ms: number[]): Figures {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
  return { p50: at(0.5), p99: at(0.99), max: s[s.length - 1]! };
}

function flag(args: string[], name: string, fallback: number): number {
  const v = args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  return v === undefined ? fallback : Number(v);
}

const isReady = (p: V1Pod): boolean => p.status?.phase === "Running" && (p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false);

async function skiffStartup(cluster: LocalCluster, count: number): Promise<number[]> {
  const api = cluster.api!;
  const created = new Map<string, number>();
  const ready = new Map<string, number>();
  await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const name = `startup-${i}`;
      const body = {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name, labels: { bench: "startup" } },
        spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "web", image: "skiff/demo-app:latest", ports: [{ containerPort: 8080 }] }] },
      };
      created.set(name, performance.now());
      const r = await api.request("/api/v1/namespaces/default/pods", { method: "POST", body: JSON.stringify(body) });
      if (r.status !== 201) throw new Error(`creating ${name}: ${r.status} ${r.body}`);
    }),
  );
  const deadline = Date.now() + 180_000;
  while (ready.size < count) {
    if (Date.now() > deadline) throw new Error(`only ${ready.size}/${count} pods Ready\n${await cluster.diagnostics()}`);
    const r = await api.request("/api/v1/namespaces/default/pods?labelSelector=bench%3Dstartup");
    const now = performance.now();
    for (const p of (JSON.parse(r.body) as V1PodList).items) {
      const name = p.metadata?.name ?? "";
      if (!ready.has(name) && isReady(p)) ready.set(name, now);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return [...ready.entries()].map(([name, t]) => t - created.get(name)!);
}

function dockerRun(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => execFile("docker", args, (err) => (err === null ? resolve() : reject(err))));
}

async function dockerStartup(cluster: LocalCluster, count: number): Promise<number[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const started = performance.now();
      // `docker run -d` returns once the container is started.
      await dockerRun(["run", "-d", "--network", cluster.net.name, "--label", cluster.run.filter, "skiff/demo-app:latest"]);
      return performance.now() - started;
    }),
  );
}

const fmt = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

export async function main(args: string[]): Promise<number> {
  const pods = flag(args, "pods", 30);
  const nodeCount = flag(args, "nodes", 3);
  process.stderr.write(`starting a cluster of ${nodeCount} nodes...\n`);
  const cluster = await LocalCluster.start({ name: "bench-startup", nodes: nodeCount, scheduler: true });
  try {
    await cluster.waitNodesReady();
    process.stderr.write(`creating ${pods} pods...\n`);
    const skiff = figures(await skiffStartup(cluster, pods));
    process.stderr.write(`docker run -d × ${pods}...\n`);
    const docker = figures(await dockerStartup(cluster, pods));
    const result = { pods, nodes: nodeCount, skiff, docker, ratioP50: skiff.p50 / docker.p50, ratioP99: skiff.p99 / docker.p99 };
    if (args.includes("--json")) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return 0;
    }
    process.stdout.write(
      [
        `pod startup, ${pods} pods created at once over ${nodeCount} nodes (create → Running and Ready, seen through the API server)`,
        "",
        "| | p50 | p99 | max |",
        "|---|---:|---:|---:|",
        `| skiff | ${fmt(skiff.p50)} | ${fmt(skiff.p99)} | ${fmt(skiff.max)} |`,
        `| reference: \`docker run -d\` × ${pods} at once, same image, same network | ${fmt(docker.p50)} | ${fmt(docker.p99)} | ${fmt(docker.max)} |`,
        `| skiff / docker | ${result.ratioP50.toFixed(2)}× | ${result.ratioP99.toFixed(2)}× | |`,
        "",
        "goals: p99 under 2 s (Kubernetes' SLO: 5 s), skiff under 1.5× docker",
        "",
      ].join("\n"),
    );
    return 0;
  } finally {
    await cluster.stop();
  }
}
