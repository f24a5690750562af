// `skiff up` without compose: a control plane of three members and a node on a network
// of its own, then status, partition/heal, kill/start of a member, and
// `skiff down` leaving nothing behind. The cluster's name carries this run's
// id, and its label is what cleanup removes.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type Docker from "dockerode";
import { addNode, findMachine, healAll, killMachine, partitionMachine, startMachine } from "../../deploy/cluster/day-two.ts";
import { clusterDown } from "../../deploy/cluster/down.ts";
import { clusterLabelKey, type ClusterLayout, clusterLayout } from "../../deploy/cluster/layout.ts";
import { memberApi } from "../../deploy/cluster/api.ts";
import { memberStatus } from "../../proto/etcd/member-status.ts";
import { waitUntil } from "../../deploy/cluster/progress.ts";
import { clusterStatus } from "../../deploy/cluster/status.ts";
import { clusterUp } from "../../deploy/cluster/up.ts";
import { connectDocker } from "../../deploy/images/docker-engine.ts";
import { removeByLabel } from "../support/docker.ts";

const home = mkdtempSync(join(tmpdir(), "skiff-up-home-"));
process.env.SKIFF_HOME = home;
const name = `uptest-${process.pid % 100000}`;
let docker: Docker;
let layout: ClusterLayout;

before(async () => {
  docker = await connectDocker();
  // A /16 of its own (10.120-199), away from the 10.78 a user's `skiff up`
  // takes and the ranges other tests pick (compose 10.100-119, nodes 10.200-249).
  layout = clusterLayout({ name, members: 3, nodes: 1, net: `10.${120 + Math.floor(Math.random() * 80)}` });
});

after(async () => {
  if (docker !== undefined) {
    await removeByLabel(docker, `${clusterLabelKey}=${name}`);
    await removeByLabel(docker, `${clusterLabelKey}=${name}-other`);
  }
  rmSync(home, { recursive: true, force: true });
});

/** The members that answer, and which of them leads the store. */
async function storeView(): Promise<{ answering: string[]; leaders: string[] }> {
  const answering: string[] = [];
  const leaders: string[] = [];
  for (const m of layout.members) {
    const s = await memberStatus(`${m.ip}:2379`, 1_000).catch(() => undefined);
    if (s === undefined) continue;
    answering.push(m.name);
    if (s.leaderId === s.memberId) leaders.push(m.name);
  }
  return { answering, leaders };
}

test("skiff up starts three members and waits until the API answers and components lead", async () => {
  let printed = "";
  await clusterUp(docker, layout, (t) => (printed += t), 180_000);
  assert.match(printed, /is up/);
  assert.match(printed, new RegExp(`export KUBECONFIG=${layout.kubeconfig}`));
  assert.ok(existsSync(layout.kubeconfig));
  await assert.rejects(clusterUp(docker, layout, () => {}), /already exists/);
  const status = await clusterStatus(docker, layout);
  assert.equal(status.match(/ leader, term/g)?.length, 1, status);
  assert.match(status, /scheduler leader: +s[123]/);
  assert.match(status, /controller-manager leader: s[123]/);
  assert.match(status, /n1 +\S+ +running +Ready/);
});

/** GET on a member's dashboard, with the cluster's CA. */
function dashboardGet(ip: string, path: string, token?: string): Promise<{ status: number; body: string }> {
  const ca = readFileSync(join(layout.credentialsDir, "ca.crt"));
  return new Promise((resolve, reject) => {
    const headers = token === undefined ? {} : { Authorization: `Bearer ${token}` };
    const req = request({ host: ip, port: 8443, path, ca, headers, agent: false, timeout: 5_000 }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
    req.end();
  });
}

test("every member serves the dashboard: 401 without the token; with it, the store's leader and the cluster's own containers", async () => {
  const token = readFileSync(join(layout.credentialsDir, "tokens.csv"), "utf8").split(",")[0] ?? "";
  for (const m of layout.members) {
    const refused = await waitUntil(`the dashboard on ${m.name}`, () => dashboardGet(m.ip, "/").catch(() => undefined), 60_000);
    assert.equal(refused.status, 401);
    type State = { members: { name: string; memberId: string; leaderId: string }[]; machines: { name: string; role: string }[] };
    const state = await waitUntil(`the members and machines on ${m.name}'s dashboard`, async () => {
      const r = await dashboardGet(m.ip, "/api/state", token).catch(() => undefined);
      if (r?.status !== 200) return undefined;
      const st = JSON.parse(r.body) as State;
      return st.members.length === 3 && st.members.filter((x) => x.memberId !== "" && x.memberId === x.leaderId).length === 1 && st.machines.length === 4 ? st : undefined;
    }, 60_000);
    // Found through the dashboard's own container's skiff.cluster label.
    assert.deepEqual(state.machines.map((x) => `${x.name}:${x.role}`).sort(), ["n1:node", "s1:member", "s2:member", "s3:member"]);
  }
});

test("a partitioned store leader is replaced, and after heal it follows again", async () => {
  const { leaders } = await waitUntil("one store leader", async () => {
    const v = await storeView();
    return v.leaders.length === 1 ? v : undefined;
  }, 30_000);
  const old = findMachine(layout, "member", leaders[0] ?? "");
  await partitionMachine(docker, layout, old);
  await waitUntil("a new leader among the others", async () => {
    const v = await storeView();
    return !v.answering.includes(old.name) && v.leaders.length === 1 && v.leaders[0] !== old.name ? true : undefined;
  }, 30_000);
  assert.deepEqual(await healAll(docker, layout), [old.name]);
  await waitUntil(`${old.name} answers as a follower`, async () => {
    const v = await storeView();
    return v.answering.length === 3 && v.leaders.length === 1 ? true : undefined;
  }, 30_000);
});

test("kill-member and start-member", async () => {
  const s3 = findMachine(layout, "member", "s3");
  await killMachine(docker, s3);
  assert.match(await clusterStatus(docker, layout), /s3 +\S+ +exited +not answering/);
  await startMachine(docker, s3);
  await waitUntil("s3 answers again", async () => ((await storeView()).answering.includes("s3") ? true : undefined), 60_000);
});

test("add-node starts n2 at the next address and pod CIDR; it becomes Ready and runs a pod placed on it", async () => {
  const n2 = await addNode(docker, layout, 120_000);
  assert.deepEqual(n2, { name: "n2", container: `${name}-n2`, ip: `${layout.net}.0.102` });
  const api = memberApi(layout, layout.members[0] ?? findMachine(layout, "member", "s1"));
  const pods = "/api/v1/namespaces/default/pods";
  try {
    const node = await api.get<{ spec?: { podCIDR?: string } }>("/api/v1/nodes/n2");
    assert.equal(node.spec?.podCIDR, `${layout.net}.2.0/24`);
    await api.create(pods, {
      metadata: { name: "on-n2" },
      spec: { nodeSelector: { "kubernetes.io/hostname": "n2" }, containers: [{ name: "app", image: "skiff/demo-app" }] },
    });
    type Pod = { spec?: { nodeName?: string }; status?: { phase?: string; podIP?: string } };
    const pod = await waitUntil("on-n2 Running", async () => {
      const p = await api.get<Pod>(`${pods}/on-n2`);
      return p.status?.phase === "Running" ? p : undefined;
    }, 120_000);
    assert.equal(pod.spec?.nodeName, "n2");
    assert.ok(pod.status?.podIP?.startsWith(`${layout.net}.2.`), `pod IP ${pod.status?.podIP} in n2's CIDR`);
    // Gone again (containers included), so that the down test counts the machines only.
    await api.delete(`${pods}/on-n2`);
    await waitUntil("on-n2's containers removed", async () => {
      const left = await docker.listContainers({ all: true, filters: { label: [`${clusterLabelKey}=${name}`, "skiff.node=n2"] } });
      return left.length === 0 ? true : undefined;
    }, 60_000);
  } finally {
    api.close();
  }
});

test("skiff down removes the cluster's containers, network, volumes and credentials, and nothing else", async () => {
  const bystander = `${name}-bystander`;
  await docker.createVolume({ Name: bystander, Labels: { [clusterLabelKey]: `${name}-other` } });
  try {
    const removed = await clusterDown(docker, layout);
    assert.deepEqual(removed, { containers: 5, networks: 1, volumes: 3 });
    assert.equal((await docker.listContainers({ all: true, filters: { label: [`${clusterLabelKey}=${name}`] } })).length, 0);
    assert.equal(existsSync(layout.credentialsDir), false);
    assert.ok((await docker.listVolumes({ filters: { name: [bystander] } })).Volumes?.length === 1, "another cluster's volume is kept");
    assert.match(await clusterStatus(docker, layout), /does not exist/);
    await assert.rejects(addNode(docker, layout), /does not exist/);
  } finally {
    await docker.getVolume(bystander).remove();
  }
});
