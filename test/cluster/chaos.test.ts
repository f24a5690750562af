// Chaos on the compose cluster (one copy for the whole file), driven with
// kubectl 1.32 and 1.20 in turn: a node killed under request load, the node
// started again, the member holding the store leader and both component
// Leases killed, a member cut off the network and healed, and nothing lost.
// Times are logged (recovery, failed-request window), never asserted.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { nodeBinary } from "../../deploy/images/images.ts";
import { memberStatus } from "../../proto/etcd/member-status.ts";
import { kubectl120, kubectl132 } from "../support/apiserver.ts";
import { ComposeCluster, httpGet } from "../support/compose-cluster.ts";
import { etcdctl } from "../support/store-cluster.ts";

const cluster = new ComposeCluster("chaos");
const members = ["s1", "s2", "s3"];
const nodes = ["n1", "n2", "n3"];
const configMaps = 50;
let killedNode = "";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** kubectl's `get pods -o wide` rows of the web Deployment: name, ready, status, node. */
async function webPods(via: string, binary = kubectl132): Promise<{ name: string; ready: boolean; node: string }[]> {
  const r = await cluster.kubectlAsync(via, ["get", "pods", "-l", "app=web", "--no-headers", "-o", "wide"], binary);
  if (r.status !== 0) return [];
  return r.out
    .trim()
    .split("\n")
    .filter((row) => row !== "")
    .map((row) => {
      const f = row.split(/\s+/);
      return { name: f[0] ?? "", ready: f[1] === "1/1" && f[2] === "Running", node: f[6] ?? "" };
    });
}

function readyNodes(via: string, binary = kubectl132): string[] {
  const r = cluster.kubectl(via, ["get", "nodes", "--no-headers"], { binary });
  return r.out.split("\n").filter((row) => / Ready /.test(row)).map((row) => row.split(/\s+/)[0] ?? "");
}

/** The store's view: each answering member's id, and the leader's name. */
async function storeLeader(): Promise<{ leader: string; ids: Map<string, string> }> {
  const ids = new Map<string, string>();
  let leaderId = "";
  for (const m of members) {
    const s = await memberStatus(`${cluster.ip(m)}:2379`, 1_000).catch(() => undefined);
    if (s === undefined) continue;
    ids.set(m, s.memberId);
    if (s.leaderId !== "0") leaderId = s.leaderId;
  }
  const leader = [...ids].find(([, id]) => id === leaderId)?.[0] ?? "";
  return { leader, ids };
}

before(async () => {
  await cluster.up();
  for (const m of members) await cluster.waitFor(`API server on ${m}`, () => cluster.kubectl(m, ["get", "namespaces"]).out.includes("kube-system"), 90_000);
  await cluster.waitFor("three Ready nodes", () => readyNodes("s1").length === 3, 120_000);
  // The objects that must outlive every fault below.
  const list = { apiVersion: "v1", kind: "List", items: Array.from({ length: configMaps }, (_, i) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `keep-${i}` }, data: { i: String(i) } })) };
  const created = cluster.kubectl("s1", ["apply", "-f", "-"], { input: JSON.stringify(list), timeoutMs: 60_000 });
  assert.equal(created.status, 0, created.out);
  assert.equal(cluster.kubectl("s2", ["create", "deployment", "web", "--image=skiff/demo-app", "--replicas=3", "--port=8080"]).status, 0);
  assert.equal(cluster.kubectl("s2", ["expose", "deployment", "web", "--type=NodePort", "--port=80", "--target-port=8080"]).status, 0);
  await cluster.waitFor("three Ready pods of web on three nodes", async () => {
    const pods = await webPods("s3");
    return pods.filter((p) => p.ready).length === 3 && new Set(pods.map((p) => p.node)).size === 3;
  }, 180_000);
});

after(async () => {
  await cluster.down();
});

test("a node killed under load on another node's NodePort: 3 replicas Ready again on the live nodes, and requests succeed again (kubectl 1.32)", async () => {
  const nodePort = cluster.kubectl("s1", ["get", "svc", "web", "-o", "jsonpath={.spec.ports[0].nodePort}"]).out.trim();
  assert.match(nodePort, /^3\d{4}$/);
  const before = await webPods("s1");
  const victim = nodes.find((n) => before.some((p) => p.node === n)) ?? "n1";
  const target = nodes.find((n) => n !== victim) ?? "n2";
  const url = `http://${cluster.ip(target)}:${nodePort}/`;
  // Every node's rules hold all three pods before the kill.
  await cluster.waitFor("answers from all three pods", async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 30 && seen.size < 3; i++) seen.add((await httpGet(url, 2_000).catch(() => "")).split(/\s/)[0] ?? "");
    seen.delete("");
    return seen.size === 3;
  }, 120_000);

  // The load: a new connection per request, a short timeout each.
  const results: { at: number; ok: boolean }[] = [];
  let loading = true;
  const load = (async () => {
    while (loading) {
      const at = Date.now();
      const ok = await httpGet(url, 1_000).then((b) => b.startsWith("hostname=web-"), () => false);
      results.push({ at, ok });
      await sleep(50);
    }
  })();
  try {
    await sleep(1_000);
    const killedAt = Date.now();
    await (await cluster.container(victim)).kill();
    killedNode = victim;
    const log = (what: string): void => void process.stdout.write(`# chaos: ${what} ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill\n`);
    let recoveredAt = 0;
    await cluster.waitFor("3 Ready replicas of web, all on live nodes", async () => {
      const pods = await webPods("s2");
      const ok = pods.filter((p) => p.ready && p.node !== victim).length === 3;
      if (ok) recoveredAt = Date.now();
      return ok;
    }, 120_000);
    // Requests succeed again: 10 in a row.
    log("replicas Ready on live nodes");
    await cluster.waitFor("10 answered requests in a row", () => results.length >= 10 && results.slice(-10).every((r) => r.ok), 60_000);
    log("10 answered requests in a row");
    const failed = results.filter((r) => !r.ok && r.at >= killedAt);
    const first = failed[0]?.at;
    const last = failed.at(-1)?.at;
    process.stdout.write(
      `# chaos: killed ${victim}; replicas Ready on live nodes after ${((recoveredAt - killedAt) / 1000).toFixed(1)} s; ` +
        `${failed.length} of ${results.filter((r) => r.at >= killedAt).length} requests through ${target} failed` +
        (first === undefined || last === undefined ? "\n" : `, from ${((first - killedAt) / 1000).toFixed(1)} s to ${((last - killedAt) / 1000).toFixed(1)} s after the kill\n`),
    );
    assert.ok(recoveredAt > 0);
  } finally {
    loading = false;
    await load;
  }
});

test("the killed node started again rejoins Ready and takes new pods (kubectl 1.20)", async () => {
  assert.notEqual(killedNode, "", "the previous test killed a node");
  await (await cluster.container(killedNode)).start();
  await cluster.waitFor(`${killedNode} Ready`, () => readyNodes("s2", kubectl120).includes(killedNode), 90_000);
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "back", labels: { app: "back" } },
    spec: { nodeSelector: { "kubernetes.io/hostname": killedNode }, containers: [{ name: "app", image: "skiff/demo-app" }] },
  };
  const created = cluster.kubectl("s2", ["apply", "-f", "-"], { binary: kubectl120, input: JSON.stringify(pod) });
  assert.equal(created.status, 0, created.out);
  await cluster.waitFor("the pod Running on the restarted node", () => {
    const r = cluster.kubectl("s3", ["get", "pod", "back", "-o", "jsonpath={.status.phase} {.spec.nodeName}"], { binary: kubectl120 });
    return r.out.trim() === `Running ${killedNode}`;
  }, 90_000);
});

/** Makes one member hold the store leader and both component Leases; returns it. */
async function gatherLeaders(): Promise<string> {
  for (let attempt = 0; attempt < 12; attempt++) {
    const via = members[attempt % 3] ?? "s1";
    const scheduler = cluster.leaseHolder(via, "kube-scheduler");
    const controllers = cluster.leaseHolder(via, "kube-controller-manager");
    process.stdout.write(`# chaos: scheduler Lease on ${scheduler || "?"}, controller-manager Lease on ${controllers || "?"}\n`);
    if (scheduler !== "" && scheduler === controllers) {
      const { leader, ids } = await storeLeader();
      if (leader === scheduler) return leader;
      const target = ids.get(scheduler);
      if (leader !== "" && target !== undefined) {
        const moved = etcdctl(`${cluster.ip(leader)}:2379`, ["move-leader", BigInt(target).toString(16)]);
        process.stdout.write(`# chaos: move-leader ${leader} -> ${scheduler}: ${moved.stdout}${moved.stderr}`);
      }
      await sleep(1_000);
      continue;
    }
    // The Leases are split: freeze the scheduler's holder past the lease
    // duration (4 s); a standby takes its Lease over — half the time the one
    // that already holds the controller manager's. Thawed, it finds the Lease
    // taken and stays a standby.
    if (scheduler !== "") {
      const frozen = await cluster.container(scheduler);
      await frozen.pause();
      try {
        await sleep(7_000);
      } finally {
        await frozen.unpause();
      }
    }
    await sleep(2_000);
  }
  throw new Error("no member came to hold the store leader and both Leases");
}

test("killing the member with the store leader and both Leases: the API keeps answering, a scale made during the failover completes (kubectl 1.32)", async () => {
  const victim = await gatherLeaders();
  const [via, other] = members.filter((m) => m !== victim) as [string, string];
  try {
    const killedAt = Date.now();
    await (await cluster.container(victim)).kill();
    // The scale-up, made through a survivor while the store elects and the Leases expire.
    await cluster.waitFor("scale to 4 through a survivor", () => cluster.kubectl(via, ["scale", "deployment", "web", "--replicas=4"]).status === 0, 60_000);
    const wroteAt = Date.now();
    assert.ok(cluster.kubectl(other, ["get", "nodes"]).out.includes("Ready"), "reads through the other survivor");
    await cluster.waitFor("4 Ready replicas of web", async () => (await webPods(other)).filter((p) => p.ready).length === 4, 90_000);
    const readyAt = Date.now();
    const scheduler = cluster.leaseHolder(via, "kube-scheduler");
    const controllers = cluster.leaseHolder(via, "kube-controller-manager");
    process.stdout.write(
      `# chaos: killed ${victim} (store leader, scheduler, controller manager); first write after ${((wroteAt - killedAt) / 1000).toFixed(1)} s, ` +
        `4 replicas Ready after ${((readyAt - killedAt) / 1000).toFixed(1)} s; Leases now on ${scheduler} and ${controllers}\n`,
    );
    assert.ok([via, other].includes(scheduler) && [via, other].includes(controllers), `Leases on ${scheduler}, ${controllers}`);
    assert.notEqual((await storeLeader()).leader, victim);
  } finally {
    // Started again even when a step failed, so the later tests have three members.
    await (await cluster.container(victim)).start().catch(() => undefined);
  }
  await cluster.waitFor(`${victim}'s API server back`, () => cluster.kubectl(victim, ["get", "deployment", "web"]).status === 0, 90_000);
});

/** A ConfigMap created from inside a member's container against its own API server (a cut-off member is out of the host's reach). */
function createInside(containerId: string, name: string): { status: number; out: string } {
  const token = readFileSync(join(cluster.certs, "tokens.csv"), "utf8").split(",")[0] ?? "";
  const script = `
    const body = JSON.stringify({ metadata: { name: ${JSON.stringify(name)} } });
    const started = Date.now();
    const req = require("node:https").request({ host: "127.0.0.1", port: 6443, method: "POST", path: "/api/v1/namespaces/default/configmaps",
      rejectUnauthorized: false, timeout: 60000, headers: { Authorization: "Bearer ${token}", "Content-Type": "application/json" } }, (res) => {
      let t = ""; res.on("data", (c) => (t += c)); res.on("end", () => console.log(res.statusCode, Date.now() - started, t.slice(0, 200)));
    });
    req.on("timeout", () => { console.log("hung", Date.now() - started); process.exit(0); });
    req.on("error", (e) => console.log("error", Date.now() - started, e.message));
    req.end(body);`;
  const r = spawnSync("docker", ["exec", containerId, nodeBinary, "-e", script], { encoding: "utf8", timeout: 90_000 });
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}`.trim() };
}

test("a member cut off the network cannot write (its API server answers an error); the others can; healed, it catches up (kubectl 1.20)", async () => {
  const { leader } = await storeLeader();
  const cut = members.find((m) => m !== leader) ?? "s3";
  const [via] = members.filter((m) => m !== cut) as [string];
  const network = `${cluster.project}_skiff`;
  const container = await cluster.container(cut);
  await cluster.docker.getNetwork(network).disconnect({ Container: container.id, Force: true });
  try {
    const inside = createInside(container.id, "through-the-cut-member");
    process.stdout.write(`# chaos: a write through ${cut}'s API server while cut off: ${inside.out}\n`);
    assert.match(inside.out, /^5\d\d \d+ /, "answered with a 5xx Status, not hanging");
    const made = cluster.kubectl(via, ["create", "configmap", "during-partition", "--from-literal=k=v"], { binary: kubectl120 });
    assert.equal(made.status, 0, made.out);
  } finally {
    await cluster.docker.getNetwork(network).connect({ Container: container.id, EndpointConfig: { IPAMConfig: { IPv4Address: cluster.ip(cut) } } });
  }
  await cluster.waitFor(`${cut}'s store has the key written during the partition`, () => {
    const r = etcdctl(`${cluster.ip(cut)}:2379`, ["get", "/registry/configmaps/default/during-partition", "--keys-only", "--consistency=s"]);
    return r.stdout.includes("during-partition");
  }, 60_000);
  await cluster.waitFor(`${cut}'s API server serves it`, () => cluster.kubectl(cut, ["get", "configmap", "during-partition", "-o", "jsonpath={.data.k}"], { binary: kubectl120 }).out === "v", 60_000);
  // The write refused while cut off did not land later.
  assert.match(cluster.kubectl(cut, ["get", "configmap", "through-the-cut-member"], { binary: kubectl120 }).out, /NotFound|not found/);
});

test("nothing is lost: the ConfigMaps and the Deployment created before the faults are all there, through every member (kubectl 1.32)", async () => {
  for (const m of members) {
    const r = cluster.kubectl(m, ["get", "configmaps", "-o", "jsonpath={range .items[*]}{.metadata.name}={.data.i}{\"\\n\"}{end}"]);
    assert.equal(r.status, 0, r.out);
    const kept = r.out.split("\n").filter((l) => l.startsWith("keep-"));
    assert.deepEqual(kept.sort(), Array.from({ length: configMaps }, (_, i) => `keep-${i}=${i}`).sort(), `through ${m}`);
    assert.equal(cluster.kubectl(m, ["get", "deployment", "web", "-o", "jsonpath={.metadata.name}"]).out, "web");
  }
});
