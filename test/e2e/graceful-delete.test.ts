// Graceful pod deletion with real containers: `kubectl delete pod` (1.32
// and 1.20, each by its full path) waits while the pod shows Terminating
// and returns once the kubelet has stopped it (SIGTERM, then SIGKILL after
// the grace) and removed the pod with grace 0; a container that traps
// SIGTERM exits on its own, one that ignores it is killed after the grace.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, test } from "node:test";
import { nodeBinary } from "../../deploy/images/images.ts";
import { kubectl120, kubectl132 } from "../support/apiserver.ts";
import { LocalCluster } from "../support/local-cluster.ts";
import { pollUntil } from "../support/until.ts";

let cluster: LocalCluster | undefined;

before(async () => {
  cluster = await LocalCluster.start({ name: "grace", nodes: 1, scheduler: true });
  await cluster.waitNodesReady();
});

after(async () => {
  await cluster?.stop();
});

/** kubectl in the background, so the test can look at the pod while it waits. */
function kubectl(bin: string, args: string[]): Promise<{ status: number; output: string }> {
  const api = cluster!.api!;
  return new Promise((resolve) => {
    let output = "";
    const proc = spawn(bin, ["--kubeconfig", api.kubeconfig, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "/tmp" } });
    proc.stdout.on("data", (b: Buffer) => (output += b.toString()));
    proc.stderr.on("data", (b: Buffer) => (output += b.toString()));
    proc.once("exit", (code) => resolve({ status: code ?? -1, output }));
  });
}

const until = (what: string, probe: () => Promise<boolean>, timeoutMs = 120_000): Promise<true> =>
  pollUntil(what, async () => ((await probe()) ? true : undefined), { timeoutMs, intervalMs: 300, diagnostics: () => cluster?.diagnostics() });

async function runPod(name: string, script: string, grace: number): Promise<void> {
  const api = cluster!.api!;
  const pod = {
    metadata: { name },
    spec: { terminationGracePeriodSeconds: grace, containers: [{ name: "main", image: "skiff/demo-app:latest", command: [nodeBinary, "-e", script] }] },
  };
  const r = await api.request("/api/v1/namespaces/default/pods", { method: "POST", body: JSON.stringify(pod) });
  assert.equal(r.status, 201, r.body);
  await until(`${name} Running`, async () => {
    const got = await api.request(`/api/v1/namespaces/default/pods/${name}`);
    return got.status === 200 && (JSON.parse(got.body) as { status?: { phase?: string } }).status?.phase === "Running";
  });
}

/** Deletes with kubectl, watching `kubectl get pod` meanwhile; answers the STATUS values seen and how long delete took. */
async function deleteWatching(bin: string, name: string): Promise<{ seen: Set<string>; seconds: number }> {
  const started = Date.now();
  const deletion = kubectl(bin, ["delete", "pod", name]);
  let finished: { status: number; output: string } | undefined;
  void deletion.then((r) => (finished = r));
  const seen = new Set<string>();
  while (finished === undefined) {
    const got = await kubectl(bin, ["get", "pod", name, "--no-headers"]);
    if (got.status === 0) seen.add(got.output.trim().split(/\s+/)[2] ?? "");
    await new Promise((r) => setTimeout(r, 200));
  }
  const done = await deletion;
  assert.equal(done.status, 0, done.output);
  assert.match(done.output, new RegExp(`pod "${name}" deleted`));
  const gone = await cluster!.api!.request(`/api/v1/namespaces/default/pods/${name}`);
  assert.equal(gone.status, 404, "kubectl delete returns once the pod is gone");
  return { seen, seconds: (Date.now() - started) / 1000 };
}

// Exits 2 s after SIGTERM; the grace (20 s) is never used up.
const trapsTerm = "process.on('SIGTERM', () => setTimeout(() => process.exit(0), 2000)); setInterval(() => {}, 1000);";
// Ignores SIGTERM: only the SIGKILL at the end of the grace stops it.
const ignoresTerm = "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000);";

for (const [version, bin] of [["1.32", kubectl132], ["1.20", kubectl120]] as const) {
  test(`kubectl ${version} delete waits while the pod is Terminating; a SIGTERM-trapping container exits on its own`, async () => {
    const name = `trap-${version.replace(".", "")}`;
    await runPod(name, trapsTerm, 20);
    const { seen, seconds } = await deleteWatching(bin, name);
    assert.ok(seen.has("Terminating"), `kubectl get showed ${[...seen].join(",")}`);
    // Lower bound only: the container's own 2 s after SIGTERM (no upper bound on a shared machine).
    assert.ok(seconds >= 1.5, `deleted after ${seconds} s, before the container could have exited`);
  });
}

test("a container that ignores SIGTERM is killed when the grace runs out", async () => {
  await runPod("stubborn", ignoresTerm, 4);
  const { seen, seconds } = await deleteWatching(kubectl132, "stubborn");
  assert.ok(seen.has("Terminating"), `kubectl get showed ${[...seen].join(",")}`);
  assert.ok(seconds >= 3.5, `deleted after ${seconds} s, before the 4 s grace ran out`);
  const left = await cluster!.docker.listContainers({ all: true, filters: { label: [`skiff.node=${cluster!.nodeNames[0]}`] } });
  assert.deepEqual(left.filter((c) => c.Labels["skiff.pod-name"] === "stubborn"), [], "no container of the pod left");
});
