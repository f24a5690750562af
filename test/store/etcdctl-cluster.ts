// Runs the etcdctl scenario against a fresh cluster of either kind: starts it,
// learns names, ids and addresses for masking, makes m1 the leader so both
// kinds start alike, runs the steps and stops the cluster.
import { freePorts } from "../support/ports.ts";
import { type StoreKind, StoreCluster } from "../support/store-cluster.ts";
import { Masks } from "./etcdctl-mask.ts";
import { type Entry, runEtcdctl, runScript, type ScriptContext, type Step } from "./etcdctl-script.ts";

const hostPort = (url: string): string => url.replace("http://", "");

/** Member name → decimal id, and the cluster id, read from `member list -w json` (ids are uint64: no JSON.parse). */
async function memberIds(ctx: ScriptContext): Promise<{ ids: Map<string, string>; clusterId: string }> {
  const r = await runEtcdctl(["member", "list", "-w", "json"], "m1", ctx);
  const ids = new Map<string, string>();
  for (const m of r.stdout.matchAll(/"ID":(\d+),"name":"(\w+)"/g)) ids.set(m[2]!, m[1]!);
  const clusterId = /"cluster_id":(\d+)/.exec(r.stdout)?.[1];
  if (clusterId === undefined || ids.size === 0) throw new Error(`member list: ${r.stdout}${r.stderr}`);
  return { ids, clusterId };
}

/** The decimal id of the member that leads, as the members see it. */
async function leaderId(ctx: ScriptContext): Promise<string | undefined> {
  const r = await runEtcdctl(["endpoint", "status", "-w", "json"], "all", ctx);
  const leaders = new Set([...r.stdout.matchAll(/"leader":(\d+)/g)].map((m) => m[1]));
  return leaders.size === 1 ? [...leaders][0] : undefined;
}

/** Names, ids and addresses for the script, and m1 as the leader, so both clusters start alike. */
async function prepare(cluster: StoreCluster): Promise<ScriptContext> {
  const ctx: ScriptContext = { clients: new Map(), vars: new Map(), masks: new Masks() };
  for (const m of cluster.members) {
    ctx.clients.set(m.name, hostPort(m.clientUrl));
    ctx.masks.addLiteral(hostPort(m.clientUrl), `${m.name}.client`);
    ctx.masks.addLiteral(hostPort(m.peerUrl), `${m.name}.peer`);
    ctx.vars.set(`${m.name}.peerUrl`, m.peerUrl);
    ctx.vars.set(`${m.name}.clientUrl`, m.clientUrl);
  }
  // Members added by the scenario but never started.
  const extra = await freePorts(2);
  ["m4", "m5"].forEach((name, i) => {
    ctx.masks.addLiteral(`127.0.0.1:${extra[i]}`, `${name}.peer`);
    ctx.vars.set(`${name}.peerUrl`, `http://127.0.0.1:${extra[i]}`);
  });
  const { ids, clusterId } = await memberIds(ctx);
  ctx.masks.addId(clusterId, "cluster", true);
  for (const [name, id] of ids) {
    ctx.masks.addId(id, name, true);
    ctx.vars.set(name, BigInt(id).toString(16));
  }
  const deadline = Date.now() + 15_000;
  for (;;) {
    const lead = await leaderId(ctx);
    if (lead === ids.get("m1")) break;
    if (Date.now() > deadline) throw new Error("m1 did not become the leader");
    if (lead !== undefined) await runEtcdctl(["move-leader", ctx.vars.get("m1")!], "all", ctx);
    else await new Promise((r) => setTimeout(r, 200));
  }
  return ctx;
}

export async function transcript(kind: StoreKind, scenario: readonly Step[]): Promise<{ entries: Entry[]; ms: number }> {
  const t0 = Date.now();
  const cluster = await StoreCluster.start({ kind });
  try {
    const ctx = await prepare(cluster);
    return { entries: await runScript(scenario, ctx), ms: Date.now() - t0 };
  } catch (err) {
    const logs = cluster.members.map((m) => `--- ${m.name}\n${m.log.join("").slice(-3000)}`).join("\n");
    throw new Error(`${kind}: ${err instanceof Error ? err.message : String(err)}\n${logs}`, { cause: err });
  } finally {
    await cluster.stop();
  }
}

export function render(entries: readonly Entry[]): string {
  return entries.map((e, i) => `#${i} ${e.command}\n${e.output}\n`).join("\n");
}

