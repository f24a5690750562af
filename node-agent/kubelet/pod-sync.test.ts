// The pod worker on the real engine with an injected clock: a crashing
// container is restarted at once, then held in CrashLoopBackOff until the
// clock passes 10 s after its last exit; a missing image leaves its pod
// waiting while the other containers run; OnFailure pods finish.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { V1Pod } from "@kubernetes/client-node";
import type Docker from "dockerode";
import { connectDocker } from "../../test/support/cluster-network.ts";
import { removeByLabel, testRunLabel } from "../../test/support/docker.ts";
import { nodeAgentImage } from "../../test/support/node-agent-image.ts";
import { PodSyncer } from "./pod-sync.ts";
import { DockerPodRuntime } from "./runtime/pod-runtime.ts";
import { RestartBackoff } from "./status/backoff.ts";
import { startTestNode } from "../../test/support/test-node.ts";

const run = testRunLabel("pod-sync");
const labels = { [run.key]: run.value };
let docker: Docker;
let runtime: DockerPodRuntime;
let now = 0;
const clock = (): number => now;

before(async () => {
  docker = await connectDocker();
  runtime = await DockerPodRuntime.open((await startTestNode(docker, run, labels)).options);
});

after(async () => {
  if (docker !== undefined) await removeByLabel(docker, run.filter);
});

function pod(name: string, spec: V1Pod["spec"]): V1Pod {
  return { metadata: { name, namespace: "default", uid: `${run.value}-${name}` }, spec };
}

async function exitedAt(id: string): Promise<number> {
  await docker.getContainer(id).wait();
  return new Date((await docker.getContainer(id).inspect()).State.FinishedAt).getTime();
}

test("a crashing container: restarted at once, then CrashLoopBackOff until 10 s after its exit", async () => {
  const syncer = new PodSyncer(runtime, new RestartBackoff(), clock);
  const p = pod("crasher", { restartPolicy: "Always", containers: [{ name: "app", image: nodeAgentImage, command: ["/bin/sh", "-c", "exit 3"] }] });
  now = Date.now();
  let { status } = await syncer.sync(p);
  const first = status.containerStatuses![0]!;
  assert.equal(first.restartCount, 0);
  now = (await exitedAt(first.containerID!.slice("docker://".length))) + 1;

  ({ status } = await syncer.sync(p));
  const second = status.containerStatuses![0]!;
  assert.equal(second.restartCount, 1, "first restart is immediate");
  const finished = await exitedAt(second.containerID!.slice("docker://".length));

  now = finished + 9_000;
  const held = await syncer.sync(p);
  const s = held.status.containerStatuses![0]!;
  assert.equal(s.state?.waiting?.reason, "CrashLoopBackOff");
  assert.match(s.state?.waiting?.message ?? "", /^back-off 10s restarting failed container=app pod=crasher_default\(/);
  assert.equal(s.lastState?.terminated?.exitCode, 3);
  assert.equal(s.restartCount, 1);
  assert.equal(held.wakeAt, finished + 10_000);
  assert.equal(held.status.phase, "Running");
  assert.equal(held.status.conditions?.find((c) => c.type === "Ready")?.status, "False");

  now = finished + 10_000;
  ({ status } = await syncer.sync(p));
  assert.equal(status.containerStatuses![0]!.restartCount, 2);
  const third = await exitedAt(status.containerStatuses![0]!.containerID!.slice("docker://".length));
  now = third + 19_000;
  const again = await syncer.sync(p);
  assert.match(again.status.containerStatuses![0]!.state?.waiting?.message ?? "", /^back-off 20s /);
  assert.equal(again.wakeAt, third + 20_000);
  const kept = (await runtime.getPod(p.metadata!.uid!))!.containers.map((c) => c.attempt).sort();
  assert.deepEqual(kept, [1, 2], "only the latest two attempts are kept");
});

test("a missing image: ErrImageNeverPull for that container, the others run", async () => {
  const syncer = new PodSyncer(runtime, new RestartBackoff(), clock);
  now = Date.now();
  const p = pod("half", {
    containers: [
      { name: "ghost", image: `skiff/missing-${run.value}:1`, imagePullPolicy: "Never" },
      { name: "live", image: nodeAgentImage, command: ["/bin/busybox", "sleep", "100000"] },
    ],
  });
  const { status } = await syncer.sync(p);
  const [ghost, live] = status.containerStatuses!;
  assert.equal(ghost?.state?.waiting?.reason, "ErrImageNeverPull");
  assert.equal(ghost?.state?.waiting?.message, `Container image "skiff/missing-${run.value}:1" is not present with pull policy of Never`);
  assert.ok(live?.state?.running, "the other container runs");
  assert.equal(status.phase, "Pending");
  assert.match(status.podIP ?? "", /^10\./);
});

test("OnFailure: a pod whose init and app containers succeed ends Succeeded", async () => {
  const syncer = new PodSyncer(runtime, new RestartBackoff(), clock);
  now = Date.now();
  const p = pod("job", {
    restartPolicy: "OnFailure",
    initContainers: [{ name: "prep", image: nodeAgentImage, command: ["/bin/sh", "-c", "true"] }],
    containers: [{ name: "work", image: nodeAgentImage, command: ["/bin/sh", "-c", "exit 0"] }],
  });
  let { status } = await syncer.sync(p);
  assert.equal(status.phase, "Pending", "the first pass starts only the init container");
  for (let i = 0; i < 10 && status.phase !== "Succeeded"; i++) {
    const uid = p.metadata!.uid!;
    for (const c of (await runtime.getPod(uid))!.containers) await docker.getContainer(c.id).wait();
    ({ status } = await syncer.sync(p));
  }
  assert.equal(status.phase, "Succeeded");
  assert.equal(status.initContainerStatuses?.[0]?.state?.terminated?.reason, "Completed");
  assert.equal(status.containerStatuses?.[0]?.state?.terminated?.reason, "Completed");
  assert.equal(status.containerStatuses?.[0]?.restartCount, 0);
});

test("when the infra container dies the pod is recreated around it: same IP, containers restarted", async () => {
  const syncer = new PodSyncer(runtime, new RestartBackoff(), clock);
  now = Date.now();
  const p = pod("phoenix", { containers: [{ name: "app", image: nodeAgentImage, command: ["/bin/busybox", "sleep", "100000"] }] });
  await syncer.sync(p);
  const before = (await runtime.getPod(p.metadata!.uid!))!;
  assert.equal(before.containers[0]?.state, "running");
  await docker.getContainer(before.infra!.id).kill();
  await docker.getContainer(before.infra!.id).wait();
  const { status } = await syncer.sync(p);
  const after = (await runtime.getPod(p.metadata!.uid!))!;
  assert.notEqual(after.infra!.id, before.infra!.id);
  assert.equal(after.infra!.state, "running");
  assert.equal(after.podIp, before.podIp);
  assert.equal(status.podIP, before.podIp);
  assert.equal(status.containerStatuses?.[0]?.restartCount, 1);
  assert.ok(status.containerStatuses?.[0]?.state?.running, "the app container runs again, in the new namespace");
  const info = await docker.getContainer(status.containerStatuses![0]!.containerID!.slice("docker://".length)).inspect();
  assert.equal(info.HostConfig.NetworkMode, `container:${after.infra!.id}`);
});
