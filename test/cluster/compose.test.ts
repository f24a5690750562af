// The root docker-compose.yml starts the control plane from the offline
// skiff/control-plane image: three members, each a store member (data in a
// named volume), an API server, and a leader-elected scheduler and controller
// manager, and three nodes (skiff agents). etcdctl and kubectl from the host
// reach all three members. Runs its own
// copy of the cluster on a network of its own (SKIFF_NET) with its own
// credentials dir (SKIFF_CERTS), labelled with this run, and removes it all.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ComposeCluster, httpGet } from "../support/compose-cluster.ts";
import { etcdctl } from "../support/store-cluster.ts";

const cluster = new ComposeCluster("compose");
const certs = cluster.certs;
const project = cluster.project;
const run = cluster.run;
let net = "";

const compose = (args: string[]): { status: number; out: string } => cluster.compose(args);

/** kubectl 1.32 with the cluster's kubeconfig, against one member's API server (.11-.13). */
const kubectl = (member: number, args: string[]): { status: number; out: string } => cluster.kubectl(`s${member - 10}`, args);

/** The member (s1..s3) whose process holds a kube-system Lease. */
const leaseHolder = (via: number, lease: string): string => cluster.leaseHolder(`s${via - 10}`, lease);

const endpoints = (): string => cluster.endpoints();

const waitFor = (what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> => cluster.waitFor(what, check, timeoutMs);

before(async () => {
  await cluster.up();
  net = cluster.net;
});

after(async () => {
  await cluster.down();
});

test("compose starts three store members that etcdctl reaches from the host", async () => {
  await waitFor("all three members healthy", () => etcdctl(endpoints(), ["endpoint", "health"]).status === 0);
  const members = etcdctl(endpoints(), ["member", "list"]).stdout.trim().split("\n");
  assert.equal(members.length, 3, members.join("\n"));
  assert.ok(members.every((m) => m.includes("started")), members.join("\n"));
  assert.equal(etcdctl(`${net}.0.11:2379`, ["put", "greeting", "hello"]).status, 0);
  for (const h of [11, 12, 13]) {
    assert.equal(etcdctl(`${net}.0.${h}:2379`, ["get", "greeting", "--print-value-only"]).stdout.trim(), "hello", `member .${h}`);
  }
});

test("kubectl reaches every member; one scheduler and one controller manager lead; a NodePort Service answers from 3 pods on every node", async () => {
  for (const m of [11, 12, 13]) {
    await waitFor(`API server on .${m}`, () => kubectl(m, ["get", "namespaces"]).out.includes("kube-system"), 60_000);
  }
  for (const lease of ["kube-scheduler", "kube-controller-manager"]) {
    await waitFor(`a ${lease} leader`, () => ["s1", "s2", "s3"].includes(leaseHolder(11, lease)));
  }
  // The classic walkthrough: three nodes, a Deployment of three demo-app
  // replicas behind a NodePort Service, answering through every node's IP.
  await waitFor("three Ready nodes", () => (kubectl(11, ["get", "nodes", "--no-headers"]).out.match(/ Ready /g) ?? []).length === 3, 120_000);
  assert.equal(kubectl(11, ["create", "deployment", "web", "--image=skiff/demo-app", "--replicas=3", "--port=8080"]).status, 0);
  assert.equal(kubectl(11, ["expose", "deployment", "web", "--type=NodePort", "--port=80", "--target-port=8080"]).status, 0);
  await waitFor("three Running pods of web on three nodes", () => {
    const rows = kubectl(12, ["get", "pods", "-l", "app=web", "--no-headers", "-o", "wide"]).out.trim().split("\n");
    return rows.filter((r) => / 1\/1 +Running /.test(r)).length === 3 && new Set(rows.map((r) => r.split(/\s+/)[6])).size === 3;
  }, 120_000);
  const nodePort = kubectl(11, ["get", "svc", "web", "-o", "jsonpath={.spec.ports[0].nodePort}"]).out.trim();
  assert.match(nodePort, /^3\d{4}$/);
  // Until the Endpoints hold all three pods and every node's rules have them,
  // fewer pods answer; every request must still be answered.
  const answered = new Set<string>();
  const deadline = Date.now() + 60_000;
  while (answered.size < 3 && Date.now() < deadline) {
    for (const node of [101, 102, 103]) {
      const body = await httpGet(`http://${net}.0.${node}:${nodePort}/`);
      assert.match(body, /^hostname=web-/, `node .${node}`);
      answered.add(body.split(/\s/)[0] ?? "");
    }
  }
  assert.equal(
    answered.size,
    3,
    `answers from ${[...answered].join(", ")}\n${kubectl(11, ["get", "pods", "-o", "wide"]).out}\n${kubectl(11, ["get", "endpoints", "web"]).out}`,
  );
});

/** GET on a member's dashboard (port 8443), with the cluster's CA; undefined while it does not answer. */
function dashboardGet(member: number, path: string, token?: string): Promise<{ status: number; body: string } | undefined> {
  const ca = readFileSync(join(certs, "ca.crt"));
  return new Promise((resolve) => {
    const headers = token === undefined ? {} : { Authorization: `Bearer ${token}` };
    const req = request({ host: `${net}.0.${member}`, port: 8443, path, ca, headers, agent: false, timeout: 5_000 }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", () => resolve(undefined));
    req.end();
  });
}

test("every member serves the dashboard behind the admin token; its buttons reach this project's machines only", async () => {
  const token = readFileSync(join(certs, "tokens.csv"), "utf8").split(",")[0] ?? "";
  for (const m of [11, 12, 13]) {
    const deadline = Date.now() + 60_000;
    let machines = "";
    for (;;) {
      const refused = await dashboardGet(m, "/");
      const r = await dashboardGet(m, "/api/state", token);
      if (refused !== undefined && r?.status === 200) {
        assert.equal(refused.status, 401);
        const st = JSON.parse(r.body) as { members: { memberId: string; leaderId: string }[]; machines: { name: string; role: string }[] };
        machines = st.machines.map((x) => `${x.name}:${x.role}`).sort().join(",");
        // The compose project's label, read from the dashboard's own container; the certs container is no machine.
        if (st.members.filter((x) => x.memberId !== "" && x.memberId === x.leaderId).length === 1 && machines === "n1:node,n2:node,n3:node,s1:member,s2:member,s3:member") break;
      }
      if (Date.now() > deadline) assert.fail(`the dashboard on .${m} did not show the members and machines (machines: ${machines})`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
});

test("killing the leading control-plane member hands the scheduler, controller manager and writes to the others", async () => {
  const holder = leaseHolder(11, "kube-controller-manager");
  assert.match(holder, /^s[123]$/);
  const victim = (await cluster.docker.listContainers({ filters: { label: [`com.docker.compose.project=${project}`, `com.docker.compose.service=${holder}`] } }))[0];
  assert.ok(victim !== undefined, `${holder} container`);
  await cluster.docker.getContainer(victim.Id).kill();
  const [via, other] = [11, 12, 13].filter((m) => `s${m - 10}` !== holder) as [number, number];
  await waitFor("a new controller-manager leader", () => ["s1", "s2", "s3"].filter((s) => s !== holder).includes(leaseHolder(via, "kube-controller-manager")));
  await waitFor("a new scheduler leader", () => ["s1", "s2", "s3"].filter((s) => s !== holder).includes(leaseHolder(via, "kube-scheduler")));
  // The new controller manager converges a scale-up made after the kill.
  await waitFor("scale through a survivor", () => kubectl(via, ["scale", "deployment", "web", "--replicas=4"]).status === 0);
  await waitFor("four Running pods of web", () => (kubectl(other, ["get", "pods", "-l", "app=web", "--no-headers"]).out.match(/ Running /g) ?? []).length === 4, 60_000);
  assert.equal(compose(["start", holder]).status, 0);
  await waitFor(`${holder}'s API server back`, () => kubectl(Number(holder.slice(1)) + 10, ["get", "deployment", "web"]).status === 0, 60_000);
});

test("a killed member keeps its data in its volume and rejoins", async () => {
  const s1 = (await cluster.docker.listContainers({ filters: { label: [`com.docker.compose.project=${project}`, "com.docker.compose.service=s1"] } }))[0];
  assert.ok(s1 !== undefined, "s1 container");
  await cluster.docker.getContainer(s1.Id).kill();
  const others = `${net}.0.12:2379,${net}.0.13:2379`;
  await waitFor("writes through the two survivors", () => etcdctl(others, ["put", "after-kill", "yes"]).status === 0);
  assert.equal(compose(["start", "s1"]).status, 0);
  await waitFor("s1 healthy again", () => etcdctl(`${net}.0.11:2379`, ["endpoint", "health"]).status === 0);
  await waitFor("s1 caught up", () => etcdctl(`${net}.0.11:2379`, ["get", "after-kill", "--print-value-only", "--consistency=s"]).stdout.trim() === "yes");
  assert.equal(etcdctl(`${net}.0.11:2379`, ["get", "greeting", "--print-value-only", "--consistency=s"]).stdout.trim(), "hello");
});

test("a killed node takes its pods with it; they are replaced on the other nodes, and the node rejoins Ready when started", async () => {
  const rows = (): string[] => kubectl(11, ["get", "pods", "-l", "app=web", "--no-headers", "-o", "wide"]).out.trim().split("\n");
  const onNode = (node: string): string[] => rows().filter((r) => r.split(/\s+/)[6] === node);
  const victim = ["n1", "n2", "n3"].find((n) => onNode(n).length > 0) ?? "n1";
  const lost = onNode(victim).map((r) => r.split(/\s+/)[0] ?? "");
  const node = (await cluster.docker.listContainers({ filters: { label: [`com.docker.compose.project=${project}`, `com.docker.compose.service=${victim}`] } }))[0];
  assert.ok(node !== undefined, `${victim} container`);
  await cluster.docker.getContainer(node.Id).kill();
  // The pods died with the node's PID namespace, as on a lost machine.
  const running = async (): Promise<number> => (await cluster.docker.listContainers({ filters: { label: [`skiff.node=${victim}`, `skiff.test-run=${run.value}`] } })).length;
  for (let i = 0; i < 50 && (await running()) > 0; i++) await new Promise((r) => setTimeout(r, 200));
  assert.equal(await running(), 0, `${victim}'s pod containers still running`);
  await waitFor(`${victim} NotReady`, () => new RegExp(`^${victim} +NotReady`, "m").test(kubectl(11, ["get", "nodes", "--no-headers"]).out), 60_000);
  await waitFor("every web replica Running on the other nodes", () => {
    const all = rows();
    const running = all.filter((r) => / 1\/1 +Running /.test(r) && r.split(/\s+/)[6] !== victim);
    return running.length === 4 && !all.some((r) => lost.includes(r.split(/\s+/)[0] ?? ""));
  }, 90_000);
  assert.equal(compose(["start", victim]).status, 0);
  await waitFor(`${victim} Ready again`, () => new RegExp(`^${victim} +Ready`, "m").test(kubectl(11, ["get", "nodes", "--no-headers"]).out), 90_000);
});
