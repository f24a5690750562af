// Hollow nodes against skiff apiserver on a 3-member skiff store: 50 nodes
// in this process register Ready with a Lease each, renew the Leases, mark a
// pod bound to one of them Running and Ready, and a paused node stops
// renewing while the others go on; `skiff hollow-nodes` runs them as a
// process and stops on SIGTERM.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import { HollowNodes } from "../../node-agent/hollow/hollow-nodes.ts";
import { ApiServerProcess } from "../support/apiserver.ts";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let api: ApiServerProcess;
let hollow: HollowNodes | undefined;
const errors: string[] = [];

before(async () => {
  api = await ApiServerProcess.start("skiff");
});
after(async () => {
  await hollow?.stop();
  await api?.stop();
});

async function until<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const v = await check();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`gave up waiting for ${what}; errors: ${errors.slice(-5).join("; ")}`);
}

async function get(path: string): Promise<Obj> {
  const r = await api.request(path);
  assert.equal(r.status, 200, `GET ${path}: ${r.body}`);
  return r.json();
}

test("50 hollow nodes register, renew Leases and run a bound pod; a paused one falls silent", async () => {
  hollow = HollowNodes.fromFile(api.kubeconfig, { heartbeatMs: 1000, onError: (what, err) => errors.push(`${what}: ${String(err)}`) });
  await hollow.start();
  await hollow.add(Array.from({ length: 50 }, (_, i) => ({ name: `h-${i}`, cpu: "2", labels: { rack: `r${i % 4}` } })));
  const nodes = (await get("/api/v1/nodes?labelSelector=skiff.dev%2Fhollow%3Dtrue")).items as Obj[];
  assert.equal(nodes.length, 50);
  for (const n of nodes) {
    assert.equal(n.status.allocatable.cpu, "2");
    assert.equal(n.status.conditions.find((c: Obj) => c.type === "Ready").status, "True");
  }
  const kubectl = api.kubectl("/usr/bin/kubectl", ["get", "node", "h-7", "--no-headers"]);
  assert.match(kubectl.stdout, /^h-7\s+Ready\s/, kubectl.stdout + kubectl.stderr);

  const renewTime = async (name: string): Promise<string> => (await get(`/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${name}`)).spec.renewTime as string;
  const first = await renewTime("h-3");
  assert.match(first, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  await until("h-3's lease renewed", async () => ((await renewTime("h-3")) !== first ? true : undefined));

  const pod = { metadata: { name: "p" }, spec: { nodeName: "h-5", containers: [{ name: "c", image: "skiff/demo-app" }] } };
  assert.equal((await api.request("/api/v1/namespaces/default/pods", { method: "POST", body: JSON.stringify(pod) })).status, 201);
  const running = await until("the pod Running and Ready", async () => {
    const p = await get("/api/v1/namespaces/default/pods/p");
    return p.status?.phase === "Running" && p.status.conditions?.some((c: Obj) => c.type === "Ready" && c.status === "True") ? p : undefined;
  });
  assert.equal(running.status.containerStatuses[0].ready, true);

  hollow.pause("h-9");
  const renewedAgain = async (): Promise<void> => {
    const other = await renewTime("h-10");
    await until("h-10 renewed again", async () => ((await renewTime("h-10")) !== other ? true : undefined));
  };
  // A renewal of h-9 already on the wire may still land: read h-9 once h-10 has renewed since the pause.
  await renewedAgain();
  const paused = await renewTime("h-9");
  await renewedAgain();
  await renewedAgain();
  assert.equal(await renewTime("h-9"), paused, "a paused node renews nothing");
  hollow.resume("h-9");
  await until("h-9 renews again", async () => ((await renewTime("h-9")) !== paused ? true : undefined));
});

test("skiff hollow-nodes --count 3 registers Ready nodes with Leases and exits 0 on SIGTERM", async () => {
  const repo = fileURLToPath(new URL("../..", import.meta.url));
  const proc = spawn(process.execPath, ["--import", "tsx", join(repo, "deploy/src/cli.ts"), "hollow-nodes", "--kubeconfig", api.kubeconfig, "--count", "3", "--prefix", "cli-", "--heartbeat", "1s"], { cwd: repo, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  proc.stderr.on("data", (b: Buffer) => (output += b.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  try {
    await until("3 Ready cli- nodes with Leases", async () => {
      for (const name of ["cli-0", "cli-1", "cli-2"]) {
        const n = await api.request(`/api/v1/nodes/${name}`);
        const l = await api.request(`/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${name}`);
        if (n.status !== 200 || l.status !== 200) return undefined;
        if ((n.json() as Obj).status.conditions.find((c: Obj) => c.type === "Ready")?.status !== "True") return undefined;
      }
      return true;
    });
    proc.kill("SIGTERM");
    assert.equal(await exited, 0, output);
  } finally {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
  }
});
