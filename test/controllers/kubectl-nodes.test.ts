// kubectl 1.32 and 1.20 (each by its full path) against skiff apiserver and
// skiff controller-manager, with a hollow scheduler and kubelet in this test
// (bind each pending pod to a schedulable, untainted node; mark bound pods
// Running and Ready through pods/status): cordon/uncordon, taint add and
// remove, drain (evictions through pods/eviction under a
// PodDisruptionBudget; the ReplicaSet controller recreates the pods and they
// land on the other node), and the Deployment
// flows: create deployment, scale, set image, rollout
// status|history|undo|pause|resume.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ApiServerProcess, kubectl120, kubectl132 } from "../support/apiserver.ts";
import { ControllerManagerProcess } from "../support/controller-manager.ts";

type Taint = { key: string; value?: string; effect: string };
type Node = { metadata: { name: string }; spec?: { unschedulable?: boolean; taints?: Taint[] } };
type Pod = {
  metadata: { name: string; namespace: string; uid?: string; deletionTimestamp?: string };
  spec: { nodeName?: string; containers: { image: string }[] };
  status?: { phase?: string; conditions?: { type: string; status: string }[] };
};

let api: ApiServerProcess | undefined;
let manager: ControllerManagerProcess | undefined;
let hollow: ReturnType<typeof setInterval> | undefined;

const isReady = (p: Pod): boolean => (p.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");

/** One round of the hollow scheduler and kubelet. */
async function hollowRound(a: ApiServerProcess, turn: { n: number }): Promise<void> {
  const nodes = (await a.request("/api/v1/nodes")).json().items as Node[];
  const open = nodes.filter((n) => n.spec?.unschedulable !== true && !(n.spec?.taints ?? []).some((t) => t.effect === "NoSchedule" || t.effect === "NoExecute"));
  const pods = (await a.request("/api/v1/pods")).json().items as Pod[];
  for (const p of pods) {
    const base = `/api/v1/namespaces/${p.metadata.namespace}/pods/${p.metadata.name}`;
    if (p.metadata.deletionTimestamp !== undefined) {
      // A kubelet with nothing to stop ends a graceful delete at once.
      if (p.spec.nodeName !== undefined && p.spec.nodeName !== "") {
        await a.request(base, { method: "DELETE", body: JSON.stringify({ gracePeriodSeconds: 0, preconditions: { uid: p.metadata.uid } }) });
      }
      continue;
    }
    if (p.spec.nodeName === undefined || p.spec.nodeName === "") {
      // Only pods of this test's namespaces: their names carry the version.
      const candidates = open.filter((n) => n.metadata.name.endsWith(p.metadata.namespace.slice(-4)));
      if (candidates.length === 0) continue;
      const node = candidates[turn.n++ % candidates.length]!;
      await a.request(`${base}/binding`, { method: "POST", body: JSON.stringify({ apiVersion: "v1", kind: "Binding", metadata: { name: p.metadata.name }, target: { kind: "Node", name: node.metadata.name } }) });
    } else if (!isReady(p)) {
      const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
      await a.request(`${base}/status`, { method: "PUT", body: JSON.stringify({ ...p, status: { phase: "Running", startTime: now, conditions: [{ type: "Ready", status: "True", lastTransitionTime: now }] } }) });
    }
  }
}

before(async () => {
  api = await ApiServerProcess.start("skiff");
  // The test plays kubelet for Node objects of its own, which renew no Lease:
  // the node lifecycle controller would call them lost.
  manager = ControllerManagerProcess.launch(api.kubeconfig, ["--controllers=*,-nodelifecycle,-taint-eviction"]);
  const a = api;
  const turn = { n: 0 };
  let busy = false;
  hollow = setInterval(() => {
    if (busy) return;
    busy = true;
    hollowRound(a, turn)
      .catch(() => undefined)
      .finally(() => (busy = false));
  }, 100);
});

after(async () => {
  if (hollow !== undefined) clearInterval(hollow);
  await manager?.kill();
  await api?.stop();
});

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 900; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`gave up waiting for ${what}\ncontroller-manager:\n${manager?.output() ?? ""}`);
}

for (const [version, bin] of [
  ["1.32", kubectl132],
  ["1.20", kubectl120],
] as const) {
  describe(`kubectl ${version}`, () => {
    const tag = `v${version.replace(".", "")}`;
    const ns = `nodes-${tag}`;
    const nodeA = `a-${tag}`;
    const nodeB = `b-${tag}`;
    /** kubectl in a child process, so that the hollow kubelet keeps running meanwhile. */
    const run = (args: string[]): Promise<{ status: number; output: string }> => {
      const proc = spawn(bin, ["--kubeconfig", api!.kubeconfig, "--cache-dir", join(api!.dir, `kube-cache-nodes-${tag}`), ...args], {
        stdio: ["ignore", "pipe", "pipe"],
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: api!.dir },
      });
      let output = "";
      proc.stdout.on("data", (b: Buffer) => (output += b.toString()));
      proc.stderr.on("data", (b: Buffer) => (output += b.toString()));
      return new Promise((resolve) => proc.once("exit", (code) => resolve({ status: code ?? -1, output })));
    };
    const ok = async (args: string[]): Promise<string> => {
      const r = await run(args);
      assert.equal(r.status, 0, `kubectl ${args.join(" ")}: ${r.output}`);
      return r.output;
    };
    const node = async (name: string): Promise<Node> => (await api!.request(`/api/v1/nodes/${name}`)).json() as unknown as Node;
    const pods = async (): Promise<Pod[]> => (await api!.request(`/api/v1/namespaces/${ns}/pods`)).json().items as Pod[];

    test("cordon, uncordon, taint and untaint a node", async () => {
      await ok(["create", "namespace", ns]);
      for (const n of [nodeA, nodeB]) {
        const r = await api!.request("/api/v1/nodes", { method: "POST", body: JSON.stringify({ metadata: { name: n, labels: { "kubernetes.io/hostname": n } } }) });
        assert.equal(r.status, 201, r.body);
      }
      assert.match(await ok(["cordon", nodeA]), new RegExp(`node/${nodeA} cordoned`));
      assert.equal((await node(nodeA)).spec?.unschedulable, true);
      assert.match(await ok(["uncordon", nodeA]), new RegExp(`node/${nodeA} uncordoned`));
      assert.notEqual((await node(nodeA)).spec?.unschedulable, true);
      assert.match(await ok(["taint", "nodes", nodeB, "dedicated=db:NoSchedule"]), new RegExp(`node/${nodeB} tainted`));
      assert.deepEqual((await node(nodeB)).spec?.taints, [{ key: "dedicated", value: "db", effect: "NoSchedule" }]);
      assert.match(await ok(["taint", "nodes", nodeB, "dedicated:NoSchedule-"]), new RegExp(`node/${nodeB} untainted`));
      assert.deepEqual((await node(nodeB)).spec?.taints ?? [], []);
    });

    test("create deployment, scale, set image, rollout status|history|undo|pause|resume", async () => {
      await ok(["-n", ns, "create", "deployment", "web", "--image=demo:1"]);
      assert.match(await ok(["-n", ns, "scale", "deployment/web", "--replicas=4"]), /scaled/);
      assert.match(await ok(["-n", ns, "rollout", "status", "deployment/web", "--timeout=120s"]), /successfully rolled out/);
      assert.equal((await pods()).filter(isReady).length, 4);
      await ok(["-n", ns, "set", "image", "deployment/web", "demo=demo:2"]);
      assert.match(await ok(["-n", ns, "rollout", "status", "deployment/web", "--timeout=120s"]), /successfully rolled out/);
      const history = await ok(["-n", ns, "rollout", "history", "deployment/web"]);
      assert.match(history, /^1\s/m);
      assert.match(history, /^2\s/m);
      assert.match(await ok(["-n", ns, "rollout", "history", "deployment/web", "--revision=2"]), /Image:\s+demo:2/);
      assert.match(await ok(["-n", ns, "rollout", "undo", "deployment/web"]), /rolled back/);
      await ok(["-n", ns, "rollout", "status", "deployment/web", "--timeout=120s"]);
      await until("every pod back on demo:1", async () => {
        const ps = (await pods()).filter((p) => p.metadata.deletionTimestamp === undefined);
        return ps.length === 4 && ps.every((p) => isReady(p) && p.spec.containers[0]!.image === "demo:1");
      });
      assert.match(await ok(["-n", ns, "rollout", "pause", "deployment/web"]), /paused/);
      await ok(["-n", ns, "set", "image", "deployment/web", "demo=demo:3"]);
      await new Promise((r) => setTimeout(r, 1000));
      assert.ok((await pods()).every((p) => p.spec.containers[0]!.image === "demo:1"), "paused: the template change waits");
      assert.match(await ok(["-n", ns, "rollout", "resume", "deployment/web"]), /resumed/);
      assert.match(await ok(["-n", ns, "rollout", "status", "deployment/web", "--timeout=120s"]), /successfully rolled out/);
      await until("every pod on demo:3", async () => {
        const ps = (await pods()).filter((p) => p.metadata.deletionTimestamp === undefined);
        return ps.length === 4 && ps.every((p) => isReady(p) && p.spec.containers[0]!.image === "demo:3");
      });
    });

    test("drain evicts a node's pods; the ReplicaSet recreates them on the other node", async () => {
      await until("pods on both nodes", async () => {
        const on = new Set((await pods()).map((p) => p.spec.nodeName));
        return on.has(nodeA) && on.has(nodeB);
      });
      // A budget of one unavailable pod: drain's parallel evictions must take turns (429 and retry) while replacements get ready.
      await ok(["-n", ns, "create", "poddisruptionbudget", "web", "--selector=app=web", "--max-unavailable=1"]);
      const onA = (await pods()).filter((p) => p.spec.nodeName === nodeA).map((p) => p.metadata.name).sort();
      const out = await ok(["drain", nodeA, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=120s"]);
      const budget = (await api!.request(`/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets/web`)).json() as { status?: { disruptedPods?: Record<string, string> } };
      assert.deepEqual(Object.keys(budget.status?.disruptedPods ?? {}).sort(), onA, "each eviction was recorded against the budget");
      assert.match(out, /evicting pod/);
      // 1.32 ends with "drained", 1.20 with "evicted".
      assert.match(out, new RegExp(`node/${nodeA} (drained|evicted)`));
      assert.equal((await node(nodeA)).spec?.unschedulable, true);
      await until("4 ready pods, all on the other node", async () => {
        const ps = (await pods()).filter((p) => p.metadata.deletionTimestamp === undefined);
        return ps.length === 4 && ps.every((p) => isReady(p) && p.spec.nodeName === nodeB);
      });
      await ok(["uncordon", nodeA]);
    });
  });
}
