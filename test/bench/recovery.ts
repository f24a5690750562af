// `skiff bench recovery [--rounds N] [--json]`: how fast a `skiff up`
// cluster (3 members, 4 nodes) heals. A 6-replica Deployment of demo-app
// behind a NodePort Service; N rounds of killing a node that holds pods
// (docker kill, as a machine loss) under request load on a surviving node's
// NodePort: time from the kill to all 6 replicas Ready again on live nodes,
// and the failed-request window; the node is started again and Ready before
// the next round. Then N rounds of killing the store leader's member: time
// until a write (a ConfigMap create through a survivor's API server)
// succeeds again, with the time until the survivors report a new leader.
// References (issue 8): Kubernetes' defaults ~40 s to mark a node
// unreachable + 300 s toleration ≈ 6 min; Docker Swarm ~15 s; Nomad ~20 s.
// Goals: replicas Ready within 10 s of a node kill, writes within 2 s of a
// member kill.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { memberApi, readyNodes } from "../../deploy/cluster/api.ts";
import { killMachine, startMachine } from "../../deploy/cluster/day-two.ts";
import { clusterDown } from "../../deploy/cluster/down.ts";
import { type ClusterLayout, clusterLayout, type Machine } from "../../deploy/cluster/layout.ts";
import { waitUntil } from "../../deploy/cluster/progress.ts";
import { clusterUp } from "../../deploy/cluster/up.ts";
import { connectDocker } from "../../deploy/images/docker-engine.ts";
import { memberStatus } from "../../proto/etcd/member-status.ts";
import type { ApiClient } from "../../proto/kube/api-client.ts";
import { httpGet } from "../support/compose-cluster.ts";

const replicas = 6;
const ns = "/api/v1/namespaces/default";
const log = (text: string): void => void process.stderr.write(text);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Figures {
  p50: number;
  max: number;
  all: number[];
}

function figures(ms: number[]): Figures {
  const s = [...ms].sort((a, b) => a - b);
  return { p50: s[Math.ceil(0.5 * s.length) - 1] ?? 0, max: s.at(-1) ?? 0, all: ms.map((x) => Math.round(x)) };
}

function rounds(args: string[]): number {
  const i = args.findIndex((a) => a === "--rounds" || a.startsWith("--rounds="));
  if (i < 0) return 5;
  const v = args[i]?.includes("=") === true ? args[i]?.split("=")[1] : args[i + 1];
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--rounds must be a positive integer (got ${v})`);
  return n;
}

interface Pod {
  metadata: { name: string; deletionTimestamp?: string };
  spec?: { nodeName?: string };
  status?: { phase?: string; conditions?: { type: string; status: string }[] };
}

/** Asks each member's API server in turn until one answers. */
class AnyMember {
  private turn = 0;
  constructor(readonly apis: ApiClient[]) {}
  async get<T>(path: string): Promise<T> {
    let last: unknown;
    for (let i = 0; i < this.apis.length; i++) {
      const api = this.apis[this.turn % this.apis.length];
      try {
        if (api !== undefined) return await api.get<T>(path);
      } catch (err) {
        last = err;
        this.turn++;
      }
    }
    throw last instanceof Error ? last : new Error(String(last));
  }
}

async function readyElsewhere(any: AnyMember, dead: string): Promise<number> {
  const pods = await any.get<{ items: Pod[] }>(`${ns}/pods?labelSelector=app%3Dweb`);
  return pods.items.filter(
    (p) =>
      p.metadata.deletionTimestamp === undefined &&
      p.spec?.nodeName !== dead &&
      p.status?.phase === "Running" &&
      p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true,
  ).length;
}

async function nodeRound(layout: ClusterLayout, any: AnyMember, nodePort: number, round: number): Promise<{ recoveryMs: number; failedWindowMs: number; failed: number; sent: number }> {
  const pods = await any.get<{ items: Pod[] }>(`${ns}/pods?labelSelector=app%3Dweb`);
  const holding = layout.nodes.filter((n) => pods.items.some((p) => p.spec?.nodeName === n.name));
  const victim = holding[round % holding.length] ?? layout.nodes[0];
  const target = layout.nodes.find((n) => n !== victim);
  if (victim === undefined || target === undefined) throw new Error("needs two nodes");
  const url = `http://${target.ip}:${nodePort}/`;
  const results: { at: number; ok: boolean }[] = [];
  let loading = true;
  const load = (async () => {
    while (loading) {
      const at = performance.now();
      results.push({ at, ok: await httpGet(url, 1_000).then((b) => b.startsWith("hostname=web-"), () => false) });
      await sleep(20);
    }
  })();
  const docker = await connectDocker();
  let recoveryMs: number;
  const killedAt = performance.now();
  try {
    await killMachine(docker, victim);
    await waitUntil("all replicas Ready on live nodes", async () => ((await readyElsewhere(any, victim.name)) >= replicas ? true : undefined), 120_000, 100);
    recoveryMs = performance.now() - killedAt;
    await waitUntil("10 answered requests in a row", async () => (results.length >= 10 && results.slice(-10).every((r) => r.ok) ? true : undefined), 60_000, 100);
  } finally {
    loading = false;
    await load;
  }
  const after = results.filter((r) => r.at >= killedAt);
  const failed = after.filter((r) => !r.ok);
  const failedWindowMs = failed.length === 0 ? 0 : (failed.at(-1)?.at ?? 0) + 1_000 - (failed[0]?.at ?? 0);
  log(`  node round ${round + 1}: killed ${victim.name} → ${replicas} Ready on live nodes in ${(recoveryMs / 1000).toFixed(1)} s; ${failed.length}/${after.length} requests via ${target.name} failed over ${(failedWindowMs / 1000).toFixed(1)} s\n`);
  await startMachine(docker, victim);
  await waitUntil(`${victim.name} Ready again`, async () => ((await readyNodesAny(any)).includes(victim.name) ? true : undefined), 120_000);
  return { recoveryMs, failedWindowMs, failed: failed.length, sent: after.length };
}

async function readyNodesAny(any: AnyMember): Promise<string[]> {
  for (const api of any.apis) {
    try {
      return await readyNodes(api);
    } catch {
      // the next member may answer
    }
  }
  return [];
}

async function storeLeader(layout: ClusterLayout): Promise<Machine | undefined> {
  const ids = new Map<string, Machine>();
  let leaderId = "";
  for (const m of layout.members) {
    const s = await memberStatus(`${m.ip}:2379`, 1_000).catch(() => undefined);
    if (s === undefined) continue;
    ids.set(s.memberId, m);
    if (s.leaderId !== "0") leaderId = s.leaderId;
  }
  return ids.get(leaderId);
}

async function memberRound(layout: ClusterLayout, round: number): Promise<{ writeMs: number; electedMs: number }> {
  const leader = await waitUntil("a store leader", () => storeLeader(layout), 60_000);
  const survivors = layout.members.filter((m) => m !== leader);
  // Short per-request timeouts, so a write stuck on the dead leader is retried soon.
  const apis = survivors.map((m) => memberApi(layout, m, 1_000));
  const docker = await connectDocker();
  try {
    await apis[0]?.get("/readyz");
    const killedAt = performance.now();
    await killMachine(docker, leader);
    let electedMs = 0;
    const elected = (async () => {
      await waitUntil("a new leader", async () => ((await storeLeader({ ...layout, members: survivors })) === undefined ? undefined : true), 60_000, 50);
      electedMs = performance.now() - killedAt;
    })();
    let i = 0;
    await waitUntil("a write through a survivor", async () => {
      const api = apis[i++ % apis.length];
      await api?.create(`${ns}/configmaps`, { metadata: { name: `recovery-${round}-${Date.now()}` } });
      return true;
    }, 60_000, 20);
    const writeMs = performance.now() - killedAt;
    await elected;
    log(`  member round ${round + 1}: killed ${leader.name} (store leader) → new leader after ${(electedMs / 1000).toFixed(2)} s, a write succeeded after ${(writeMs / 1000).toFixed(2)} s\n`);
    await startMachine(docker, leader);
    const back = memberApi(layout, leader, 2_000);
    try {
      await waitUntil(`${leader.name}'s API server back`, async () => (await back.get("/readyz")) ?? true, 120_000);
    } finally {
      back.close();
    }
    return { writeMs, electedMs };
  } finally {
    for (const api of apis) api.close();
  }
}

const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

export async function main(args: string[]): Promise<number> {
  const n = rounds(args);
  const home = mkdtempSync(join(tmpdir(), "skiff-bench-recovery-"));
  process.env.SKIFF_HOME = home;
  const layout = clusterLayout({ name: `bench-recovery-${process.pid % 100000}`, members: 3, nodes: 4, net: `10.${250 + Math.floor(Math.random() * 5)}` });
  const docker = await connectDocker();
  const apis: ApiClient[] = [];
  try {
    await clusterUp(docker, layout, log, 180_000);
    apis.push(...layout.members.map((m) => memberApi(layout, m, 3_000)));
    const any = new AnyMember(apis);
    const api = apis[0];
    if (api === undefined) throw new Error("no member");
    const labels = { app: "web" };
    await api.create("/apis/apps/v1/namespaces/default/deployments", {
      metadata: { name: "web", labels },
      spec: { replicas, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: "web", image: "skiff/demo-app", ports: [{ containerPort: 8080 }] }] } } },
    });
    const svc = await api.create<{ spec: { ports: { nodePort: number }[] } }>(`${ns}/services`, {
      metadata: { name: "web" },
      spec: { type: "NodePort", selector: labels, ports: [{ port: 80, targetPort: 8080 }] },
    });
    const nodePort = svc.spec.ports[0]?.nodePort ?? 0;
    log(`waiting for ${replicas} Ready replicas...\n`);
    await waitUntil("all replicas Ready", async () => ((await readyElsewhere(any, "")) >= replicas ? true : undefined), 180_000);
    const nodeRounds = [];
    for (let r = 0; r < n; r++) nodeRounds.push(await nodeRound(layout, any, nodePort, r));
    const memberRounds = [];
    for (let r = 0; r < n; r++) memberRounds.push(await memberRound(layout, r));
    const result = {
      rounds: n,
      nodeKill: { replicasReadyMs: figures(nodeRounds.map((x) => x.recoveryMs)), failedWindowMs: figures(nodeRounds.map((x) => x.failedWindowMs)), failedRequests: nodeRounds.map((x) => `${x.failed}/${x.sent}`) },
      memberKill: { writeMs: figures(memberRounds.map((x) => x.writeMs)), newLeaderMs: figures(memberRounds.map((x) => x.electedMs)) },
    };
    if (args.includes("--json")) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return 0;
    }
    const nk = result.nodeKill;
    const mk = result.memberKill;
    process.stdout.write(
      [
        `recovery on a \`skiff up\` cluster (3 members, 4 nodes), a ${replicas}-replica Deployment behind a NodePort Service, ${n} rounds each`,
        "",
        "| | p50 | max |",
        "|---|---:|---:|",
        `| node kill → all ${replicas} replicas Ready on live nodes | ${s(nk.replicasReadyMs.p50)} | ${s(nk.replicasReadyMs.max)} |`,
        `| node kill → failed-request window through a surviving node's NodePort | ${s(nk.failedWindowMs.p50)} | ${s(nk.failedWindowMs.max)} |`,
        `| store-leader member kill → new store leader | ${s(mk.newLeaderMs.p50)} | ${s(mk.newLeaderMs.max)} |`,
        `| store-leader member kill → a write succeeds through a survivor | ${s(mk.writeMs.p50)} | ${s(mk.writeMs.max)} |`,
        "",
        `failed requests per node round: ${nk.failedRequests.join(", ")}`,
        "references (defaults, not measured here): Kubernetes ~40 s to mark a node unreachable + 300 s toleration ≈ 6 min; Docker Swarm ~15 s; Nomad ~20 s",
        "goals: replicas Ready within 10 s of a node kill; writes within 2 s of a member kill",
        "",
      ].join("\n"),
    );
    return 0;
  } finally {
    for (const a of apis) a.close();
    await clusterDown(docker, layout).catch((err: unknown) => log(`skiff down failed: ${String(err)}\n`));
    rmSync(home, { recursive: true, force: true });
  }
}
