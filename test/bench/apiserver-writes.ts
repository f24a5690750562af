// `skiff bench apiserver-writes`: what one `skiff apiserver` sustains for the
// requests a scheduled pod costs (create, binding, Event; and a GET), with
// `--concurrency 64` requests in flight, on a 3-member skiff store and, as
// the reference in the same run, on a 3-member etcd 3.4. It isolates the
// API server and its store from the scheduler in `skiff bench scheduling`.
// Flags: --requests 500 --concurrency 64 --only=skiff|etcd --json
import { KubeConfig } from "@kubernetes/client-node";
import { ApiClient } from "../../proto/kube/api-client.ts";
import { ApiServerProcess } from "../support/apiserver.ts";
import type { StoreKind } from "../support/store-cluster.ts";

type Phase = "create" | "bind" | "event" | "get";
const phases: Phase[] = ["create", "bind", "event", "get"];

function flag(args: string[], name: string, fallback: number): number {
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return fallback;
  const n = Number(args[i]!.includes("=") ? args[i]!.split("=")[1] : args[i + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} needs a positive integer`);
  return n;
}

async function measure(kind: StoreKind, n: number, concurrency: number): Promise<Record<Phase, number>> {
  const api = await ApiServerProcess.start(kind);
  const kc = new KubeConfig();
  kc.loadFromFile(api.kubeconfig);
  const client = new ApiClient(kc, 60_000, concurrency);
  try {
    await client.create("/api/v1/namespaces", { metadata: { name: "bench" } });
    await client.create("/api/v1/nodes", { metadata: { name: "n1" }, status: { allocatable: { cpu: "1000", memory: "1000Gi", pods: "100000" } } });
    const ops: Record<Phase, (i: number) => Promise<unknown>> = {
      create: (i) => client.create("/api/v1/namespaces/bench/pods", { metadata: { name: `p${i}` }, spec: { containers: [{ name: "c", image: "skiff/demo-app" }] } }),
      bind: (i) => client.create(`/api/v1/namespaces/bench/pods/p${i}/binding`, { apiVersion: "v1", kind: "Binding", metadata: { name: `p${i}` }, target: { kind: "Node", name: "n1" } }),
      event: (i) => client.create("/api/v1/namespaces/bench/events", { metadata: { name: `e${i}` }, involvedObject: { kind: "Pod", name: `p${i}`, namespace: "bench" }, reason: "Scheduled", message: "bench", type: "Normal" }),
      get: (i) => client.get(`/api/v1/namespaces/bench/pods/p${i}`),
    };
    const out = {} as Record<Phase, number>;
    for (const phase of phases) {
      let next = 0;
      const t0 = performance.now();
      await Promise.all(Array.from({ length: Math.min(concurrency, n) }, async () => {
        while (next < n) await ops[phase](next++);
      }));
      out[phase] = n / ((performance.now() - t0) / 1000);
    }
    return out;
  } finally {
    client.close();
    await api.stop();
  }
}

export async function main(args: string[]): Promise<number> {
  const n = flag(args, "requests", 500);
  const concurrency = flag(args, "concurrency", 64);
  const only = args.find((a) => a.startsWith("--only="))?.slice("--only=".length);
  const kinds = (["skiff", "etcd"] as StoreKind[]).filter((k) => only === undefined || k === only);
  const results: Partial<Record<StoreKind, Record<Phase, number>>> = {};
  for (const k of kinds) results[k] = await measure(k, n, concurrency);
  if (args.includes("--json")) {
    process.stdout.write(`${JSON.stringify({ bench: "apiserver-writes", requests: n, concurrency, requestsPerSecond: results })}\n`);
    return 0;
  }
  const lines = [`skiff apiserver, ${n} requests per kind, ${concurrency} in flight, requests/s by store (etcd 3.4 is the reference)`, "", `${"request".padEnd(10)}${kinds.map((k) => k.padStart(10)).join("")}`];
  for (const p of phases) lines.push(`${p.padEnd(10)}${kinds.map((k) => Math.round(results[k]![p]).toLocaleString("en").padStart(10)).join("")}`);
  process.stdout.write(`${lines.join("\n")}\n`);
  return 0;
}
