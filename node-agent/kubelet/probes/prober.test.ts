// Probes against a real pod on this test's own sealed network: httpGet and
// tcpSocket to the pod IP, exec through the engine, with timeouts; then
// the probe manager driving the pod worker: a failing liveness probe
// restarts the container, readiness decides the Ready condition.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { V1Container, V1Pod } from "@kubernetes/client-node";
import type Docker from "dockerode";
import { connectDocker } from "../../../test/support/cluster-network.ts";
import { removeByLabel, testRunLabel } from "../../../test/support/docker.ts";
import { nodeAgentImage } from "../../../test/support/node-agent-image.ts";
import { PodSyncer } from "../pod-sync.ts";
import { DockerPodRuntime, type RuntimePod } from "../runtime/pod-runtime.ts";
import { RestartBackoff } from "../status/backoff.ts";
import { ProbeManager } from "./probe-manager.ts";
import { runProbe, type ProbeTarget } from "./prober.ts";
import { startTestNode } from "../../../test/support/test-node.ts";

const run = testRunLabel("probes");
const labels = { [run.key]: run.value };
let docker: Docker;
let runtime: DockerPodRuntime;
let pod: RuntimePod;
const web: V1Container = { name: "web", image: "skiff/demo-app:latest", env: [{ name: "PORT", value: "8080" }], ports: [{ name: "http", containerPort: 8080 }] };
const shell: V1Container = { name: "shell", image: nodeAgentImage, command: ["/bin/busybox", "sleep", "1000000"] };

before(async () => {
  docker = await connectDocker();
  runtime = await DockerPodRuntime.open((await startTestNode(docker, run, labels)).options);
  const started = await runtime.startPod({ metadata: { name: "probed", namespace: "default", uid: `${run.value}-probed` }, spec: { containers: [web, shell] } });
  assert.equal(started.outcome, "running");
  pod = started.pod;
  // The demo app takes a moment to listen.
  for (let i = 0; i < 100; i++) {
    if ((await runProbe({ tcpSocket: { port: 8080 } }, target(web), 1000)).success) break;
    await new Promise((r) => setTimeout(r, 100));
  }
});

after(async () => {
  if (docker !== undefined) await removeByLabel(docker, run.filter);
});

function target(c: V1Container): ProbeTarget {
  const id = pod.containers.find((x) => x.name === c.name)!.id;
  return { docker, containerId: id, podIp: pod.podIp!, container: c };
}

test("httpGet: 2xx succeeds, 404 fails, a named port resolves, a closed port fails", async () => {
  assert.deepEqual(await runProbe({ httpGet: { path: "/healthz", port: "http" } }, target(web), 1000), {
    success: true,
    output: "HTTP probe status 200",
  });
  const missing = await runProbe({ httpGet: { path: "/no-such-page", port: 8080 } }, target(web), 1000);
  assert.equal(missing.success, false);
  assert.match(missing.output, /status 404/);
  const closed = await runProbe({ httpGet: { path: "/", port: 8081 } }, target(web), 1000);
  assert.equal(closed.success, false);
  assert.match(closed.output, /ECONNREFUSED/);
});

test("tcpSocket: an open port succeeds, a closed one fails", async () => {
  assert.equal((await runProbe({ tcpSocket: { port: 8080 } }, target(web), 1000)).success, true);
  assert.equal((await runProbe({ tcpSocket: { port: 8081 } }, target(web), 1000)).success, false);
});

test("exec: exit 0 succeeds, non-zero fails, too slow is a failure", async () => {
  const ok = await runProbe({ exec: { command: ["/bin/sh", "-c", "echo fine"] } }, target(shell), 5000);
  assert.deepEqual(ok, { success: true, output: "fine\n" });
  assert.equal((await runProbe({ exec: { command: ["/bin/sh", "-c", "exit 1"] } }, target(shell), 5000)).success, false);
  const slow = await runProbe({ exec: { command: ["/bin/busybox", "sleep", "5"] } }, target(shell), 1000);
  assert.deepEqual(slow, { success: false, output: "command timed out after 1000 ms" });
});

test("a failing liveness probe restarts the container; readiness sets Ready", async () => {
  const spec: V1Pod = {
    metadata: { name: "lively", namespace: "default", uid: `${run.value}-lively` },
    spec: {
      containers: [
        {
          ...shell,
          name: "app",
          livenessProbe: { exec: { command: ["/bin/busybox", "test", "!", "-e", "/tmp/sick"] }, periodSeconds: 1, failureThreshold: 2 },
          readinessProbe: { exec: { command: ["/bin/busybox", "test", "-e", "/tmp/ready"] }, periodSeconds: 1 },
        },
      ],
    },
  };
  let now = Date.now();
  const syncer = new PodSyncer(runtime, new RestartBackoff(), () => now);
  const probes = new ProbeManager(docker);
  const uid = spec.metadata!.uid!;
  const pass = async () => {
    now += 1000;
    const current = await runtime.getPod(uid);
    if (current !== undefined) await probes.tick(spec, current, now);
    return syncer.sync(spec, probes.results(spec, await runtime.getPod(uid)));
  };
  await pass(); // starts the pod
  let { status } = await pass();
  assert.equal(status.conditions?.find((c) => c.type === "Ready")?.status, "False", "not ready before /tmp/ready exists");
  const first = (await runtime.getPod(uid))!.containers[0]!;
  await execOk(first.id, "touch /tmp/ready");
  ({ status } = await pass());
  assert.equal(status.containerStatuses?.[0]?.ready, true);
  assert.equal(status.conditions?.find((c) => c.type === "Ready")?.status, "True");

  await execOk(first.id, "touch /tmp/sick");
  ({ status } = await pass()); // first failure: below the threshold
  assert.equal(status.containerStatuses?.[0]?.restartCount, 0);
  assert.equal(status.containerStatuses?.[0]?.state?.running !== undefined, true);
  ({ status } = await pass()); // second failure: killed
  for (let i = 0; i < 3 && status.containerStatuses?.[0]?.restartCount === 0; i++) ({ status } = await pass());
  assert.equal(status.containerStatuses?.[0]?.restartCount, 1, "restarted after the liveness failures");
  assert.equal(status.containerStatuses?.[0]?.lastState?.terminated?.exitCode, 143, "stopped by SIGTERM");
  assert.equal(status.containerStatuses?.[0]?.ready, false, "the new container is not ready until its probe passes");
  ({ status } = await pass());
  assert.equal(status.containerStatuses?.[0]?.restartCount, 1, "the new container is healthy and stays");
});

async function execOk(id: string, script: string): Promise<void> {
  const r = await runProbe({ exec: { command: ["/bin/sh", "-c", script] } }, { docker, containerId: id, podIp: "", container: shell }, 5000);
  assert.equal(r.success, true, r.output);
}
