// skiff controller-manager as a process against skiff apiserver on a
// 3-member skiff store (without pod GC and node lifecycle: the pods name
// nodes that do not exist). No scheduler and no nodes: a hollow kubelet here
// marks every pod Running and Ready through pods/status. A Deployment of 10
// reaches 10 ready; a template change rolls out within maxSurge and
// maxUnavailable at every pod event; `kubectl rollout status` (1.32 and 1.20) succeeds;
// `kubectl rollout undo` rolls back, pause holds a change until resume;
// scaling down removes pods. Before that, the Endpoints controller keeps a
// Service's Endpoints in step with its pods' readiness, on the same cluster.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import { ApiServerProcess, kubectl120, kubectl132 } from "../support/apiserver.ts";

const repo = fileURLToPath(new URL("../..", import.meta.url));
const ns = "rollout";
const replicas = 10;
const maxSurge = 2; // "20%" of 10, rounded up
const maxUnavailable = 1; // "10%" of 10, rounded down

type Pod = { metadata: { name: string; resourceVersion: string; ownerReferences?: { name: string }[] }; spec: { containers: { image: string }[] }; status?: { phase?: string; conditions?: { type: string; status: string }[] } };

let api: ApiServerProcess | undefined;
let manager: ChildProcess | undefined;
const managerLog: string[] = [];

before(async () => {
  api = await ApiServerProcess.start("skiff");
  manager = spawn(process.execPath, ["--import", "tsx", join(repo, "deploy/src/cli.ts"), "controller-manager", "--kubeconfig", api.kubeconfig, "--controllers=*,-podgc,-nodelifecycle,-taint-eviction"], { cwd: repo, stdio: ["ignore", "pipe", "pipe"] });
  const keep = (b: Buffer): void => {
    managerLog.push(b.toString());
    if (managerLog.length > 300) managerLog.splice(0, managerLog.length - 300);
  };
  manager.stdout?.on("data", keep);
  manager.stderr?.on("data", keep);
});

after(async () => {
  const proc = manager;
  if (proc !== undefined && proc.exitCode === null && proc.signalCode === null) {
    await new Promise<void>((resolve) => {
      proc.once("exit", () => resolve());
      proc.kill("SIGKILL");
    });
  }
  await api?.stop();
});

async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`gave up waiting for ${what}\ncontroller-manager log:\n${managerLog.join("").slice(-3000)}`);
}

const isReady = (p: Pod): boolean => (p.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");

/** Runs kubectl without blocking the event loop (the hollow kubelet must keep working meanwhile). */
function kubectl(args: string[], bin = kubectl132): Promise<{ status: number; output: string }> {
  const proc = spawn(bin, ["--kubeconfig", api!.kubeconfig, "--cache-dir", join(api!.dir, bin === kubectl132 ? "kube-cache-rollout" : "kube-cache-rollout-120"), ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: api!.dir },
  });
  let output = "";
  proc.stdout.on("data", (b: Buffer) => (output += b.toString()));
  proc.stderr.on("data", (b: Buffer) => (output += b.toString()));
  return new Promise((resolve) => proc.once("exit", (code) => resolve({ status: code ?? -1, output })));
}

test("the Endpoints controller writes a Service's ready and not-ready pods through the API server", async () => {
  const a = api!;
  const send = async (path: string, method: string, body: unknown, want: number): Promise<void> => {
    const r = await a.request(path, { method, body: JSON.stringify(body) });
    assert.equal(r.status, want, r.body);
  };
  await send("/api/v1/namespaces", "POST", { metadata: { name: "ep" } }, 201);
  await send("/api/v1/namespaces/ep/services", "POST", { metadata: { name: "web" }, spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: "http" }] } }, 201);
  for (const [name, ip, ready] of [["p1", "10.1.0.1", true], ["p2", "10.1.0.2", false]] as const) {
    await send("/api/v1/namespaces/ep/pods", "POST", { metadata: { name, labels: { app: "web" } }, spec: { nodeName: "n1", containers: [{ name: "c", image: "demo:1", ports: [{ name: "http", containerPort: 8080 }] }] } }, 201);
    const r = await a.request(`/api/v1/namespaces/ep/pods/${name}/status`, { method: "PATCH", contentType: "application/merge-patch+json", body: JSON.stringify({ status: { phase: "Running", podIP: ip, conditions: [{ type: "Ready", status: ready ? "True" : "False" }] } }) });
    assert.equal(r.status, 200, r.body);
  }
  type Subset = { addresses?: { ip: string; nodeName?: string; targetRef?: { name: string } }[]; notReadyAddresses?: { ip: string }[]; ports?: { port: number }[] };
  const subsets = async (): Promise<Subset[] | undefined> => {
    const r = await a.request("/api/v1/namespaces/ep/endpoints/web");
    return r.status === 200 ? ((r.json().subsets as Subset[] | undefined) ?? []) : undefined;
  };
  await until("p1 ready and p2 not ready in the Endpoints", async () => {
    const s = await subsets();
    return s?.[0]?.addresses?.[0]?.ip === "10.1.0.1" && s[0].notReadyAddresses?.[0]?.ip === "10.1.0.2";
  });
  const s = (await subsets())!;
  assert.deepEqual(s[0]!.ports, [{ name: "http", port: 8080, protocol: "TCP" }]);
  assert.equal(s[0]!.addresses![0]!.nodeName, "n1");
  assert.equal(s[0]!.addresses![0]!.targetRef?.name, "p1");
  const flip = await a.request("/api/v1/namespaces/ep/pods/p2/status", { method: "PATCH", contentType: "application/merge-patch+json", body: JSON.stringify({ status: { conditions: [{ type: "Ready", status: "True" }] } }) });
  assert.equal(flip.status, 200, flip.body);
  await until("both ready", async () => (await subsets())?.[0]?.addresses?.length === 2);
  await send("/api/v1/namespaces/ep/services/web", "DELETE", {}, 200);
  await until("the Endpoints deleted with the Service", async () => (await subsets()) === undefined);
});

test("a Deployment converges, rolls out and back within its bounds, satisfies kubectl rollout status and scales down", async () => {
  const a = api!;
  assert.equal((await a.request("/api/v1/namespaces", { method: "POST", body: JSON.stringify({ metadata: { name: ns } }) })).status, 201);

  // The pods as the watch shows them, event by event, and the bounds checked at each event once armed.
  const pods = new Map<string, Pod>();
  const violations: string[] = [];
  let checking = false;
  let seen = 0;
  const watch = a.watch(`/api/v1/namespaces/${ns}/pods?watch=true`);
  assert.equal(await watch.status, 200);
  let kubeletBusy = false;
  const kubelet = setInterval(() => {
    for (; seen < watch.events.length; seen++) {
      const e = watch.events[seen]!;
      const p = e.object as unknown as Pod;
      if (e.type === "DELETED") pods.delete(p.metadata.name);
      else pods.set(p.metadata.name, p);
      const ready = [...pods.values()].filter(isReady).length;
      if (pods.size > replicas + maxSurge) violations.push(`event ${seen}: ${pods.size} pods`);
      if (checking && ready < replicas - maxUnavailable) violations.push(`event ${seen}: ${ready} ready`);
    }
    if (kubeletBusy) return;
    kubeletBusy = true;
    void (async () => {
      // The hollow kubelet: every pod not yet ready becomes Running and Ready.
      for (const p of [...pods.values()].filter((x) => !isReady(x))) {
        const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
        const status = { phase: "Running", conditions: [{ type: "Ready", status: "True", lastTransitionTime: now }], startTime: now };
        await a.request(`/api/v1/namespaces/${ns}/pods/${p.metadata.name}/status`, { method: "PUT", body: JSON.stringify({ ...p, status }) }).catch(() => undefined);
      }
    })().finally(() => (kubeletBusy = false));
  }, 50);

  try {
    const deployment = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", namespace: ns },
      spec: {
        replicas,
        selector: { matchLabels: { app: "web" } },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "20%", maxUnavailable: "10%" } },
        template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "demo:1" }] } },
      },
    };
    const created = await a.request(`/apis/apps/v1/namespaces/${ns}/deployments`, { method: "POST", body: JSON.stringify(deployment) });
    assert.equal(created.status, 201, created.body);

    const status = async (): Promise<Record<string, unknown>> =>
      ((await a.request(`/apis/apps/v1/namespaces/${ns}/deployments/web`)).json().status ?? {}) as Record<string, unknown>;
    await until("10 ready pods", () => pods.size === replicas && [...pods.values()].filter(isReady).length === replicas);
    await until("the deployment status to say 10 available", async () => (await status()).availableReplicas === replicas);

    checking = true;
    const set = await kubectl(["-n", ns, "set", "image", "deployment/web", "c=demo:2"]);
    assert.equal(set.status, 0, set.output);
    const rollout = await kubectl(["-n", ns, "rollout", "status", "deployment/web", "--timeout=120s"]);
    assert.equal(rollout.status, 0, rollout.output);
    assert.match(rollout.output, /successfully rolled out/);
    await until("every pod on demo:2 and ready", () => pods.size === replicas && [...pods.values()].every((p) => isReady(p) && p.spec.containers[0]!.image === "demo:2"));
    assert.deepEqual(violations, []);
    assert.ok(seen > 3 * replicas, "the rollout was watched pod event by pod event");

    const rsList = (await a.request(`/apis/apps/v1/namespaces/${ns}/replicasets`)).json().items as { metadata: { name: string; annotations: Record<string, string> }; spec: { replicas: number } }[];
    const byRevision = rsList.map((rs) => [rs.metadata.annotations["deployment.kubernetes.io/revision"], rs.spec.replicas]).sort();
    assert.deepEqual(byRevision, [
      ["1", 0],
      ["2", replicas],
    ]);

    // kubectl rolls back by writing the old template; the old ReplicaSet comes back as revision 3.
    const undo = await kubectl(["-n", ns, "rollout", "undo", "deployment/web"]);
    assert.equal(undo.status, 0, undo.output);
    const undone = await kubectl(["-n", ns, "rollout", "status", "deployment/web", "--timeout=120s"]);
    assert.equal(undone.status, 0, undone.output);
    await until("every pod back on demo:1 and ready", () => pods.size === replicas && [...pods.values()].every((p) => isReady(p) && p.spec.containers[0]!.image === "demo:1"));
    const revisions = async (): Promise<[string, number, string][]> =>
      (
        (await a.request(`/apis/apps/v1/namespaces/${ns}/replicasets`)).json().items as { metadata: { annotations: Record<string, string> }; spec: { replicas: number; template: { spec: { containers: { image: string }[] } } } }[]
      )
        .map((rs): [string, number, string] => [rs.metadata.annotations["deployment.kubernetes.io/revision"]!, rs.spec.replicas, rs.spec.template.spec.containers[0]!.image])
        .sort();
    assert.deepEqual(await revisions(), [
      ["2", 0, "demo:2"],
      ["3", replicas, "demo:1"],
    ], "the first ReplicaSet came back as revision 3");
    const history = await kubectl(["-n", ns, "rollout", "history", "deployment/web"]);
    assert.equal(history.status, 0, history.output);
    assert.match(history.output, /^2\s/m);
    assert.match(history.output, /^3\s/m);
    assert.deepEqual(violations, []);

    // Paused: a template change makes no ReplicaSet until resumed.
    for (const args of [["rollout", "pause", "deployment/web"], ["set", "image", "deployment/web", "c=demo:3"]]) {
      const r = await kubectl(["-n", ns, ...args]);
      assert.equal(r.status, 0, r.output);
    }
    await until("the paused template change to be observed", async () => {
      const d = (await a.request(`/apis/apps/v1/namespaces/${ns}/deployments/web`)).json() as { metadata: { generation: number }; status?: { observedGeneration?: number; conditions?: { type: string; reason: string }[] } };
      return d.status?.observedGeneration === d.metadata.generation && (d.status.conditions ?? []).some((c) => c.type === "Progressing" && c.reason === "DeploymentPaused");
    });
    const rsCount = async (): Promise<number> => ((await a.request(`/apis/apps/v1/namespaces/${ns}/replicasets`)).json().items as unknown[]).length;
    assert.equal(await rsCount(), 2);
    const resume = await kubectl(["-n", ns, "rollout", "resume", "deployment/web"]);
    assert.equal(resume.status, 0, resume.output);
    const resumed = await kubectl(["-n", ns, "rollout", "status", "deployment/web", "--timeout=120s"]);
    assert.equal(resumed.status, 0, resumed.output);
    await until("every pod on demo:3 and ready", () => pods.size === replicas && [...pods.values()].every((p) => isReady(p) && p.spec.containers[0]!.image === "demo:3"));
    assert.equal(await rsCount(), 3);
    assert.deepEqual(violations, []);

    const scale = await kubectl(["-n", ns, "scale", "deployment/web", "--replicas=3"]);
    assert.equal(scale.status, 0, scale.output);
    await until("3 pods after scaling down", () => pods.size === 3);
    await until("the deployment status to say 3", async () => {
      const s = await status();
      return s.replicas === 3 && s.availableReplicas === 3 && s.updatedReplicas === 3;
    });
    const again = await kubectl(["-n", ns, "rollout", "status", "deployment/web", "--timeout=60s"]);
    assert.equal(again.status, 0, again.output);
    const old = await kubectl(["-n", ns, "rollout", "status", "deployment/web", "--timeout=60s"], kubectl120);
    assert.equal(old.status, 0, old.output);
    assert.match(old.output, /successfully rolled out/);

    // SIGTERM stops the controller manager cleanly.
    const proc = manager!;
    const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
    proc.kill("SIGTERM");
    let code: number | null | "running" = "running";
    void exited.then((c) => (code = c));
    await until("the controller manager to exit on SIGTERM", () => code !== "running");
    assert.equal(code, 0, managerLog.join("").slice(-2000));
  } finally {
    clearInterval(kubelet);
    watch.stop();
  }
});
