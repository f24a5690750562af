// Container logs from the real engine, as `kubectl logs` options ask.
import assert from "node:assert/strict";
import type { Readable } from "node:stream";
import { after, before, test } from "node:test";
import type { V1Container, V1Pod } from "@kubernetes/client-node";
import type Docker from "dockerode";
import { connectDocker } from "../../test/support/cluster-network.ts";
import { removeByLabel, testRunLabel } from "../../test/support/docker.ts";
import { nodeAgentImage } from "../../test/support/node-agent-image.ts";
import { containerLogs } from "./logs.ts";
import { DockerPodRuntime } from "./runtime/pod-runtime.ts";
import { startTestNode } from "../../test/support/test-node.ts";

const run = testRunLabel("logs");
const labels = { [run.key]: run.value };
let docker: Docker;
let runtime: DockerPodRuntime;
const talker: V1Container = { name: "talker", image: nodeAgentImage, command: ["/bin/sh", "-c", "for i in 1 2 3 4 5; do echo line$i; done; exec busybox sleep 1000000"] };
// Docker copies stdout and stderr on separate pipes, so their relative
// order in the log is not guaranteed: stderr gets a container of its own.
const warner: V1Container = { name: "warner", image: nodeAgentImage, command: ["/bin/sh", "-c", "echo oops >&2; exec busybox sleep 1000000"] };
const follower: V1Container = { name: "follower", image: nodeAgentImage, command: ["/bin/sh", "-c", "echo first; busybox sleep 1; echo second"] };
const pod: V1Pod = { metadata: { name: "chatty", namespace: "default", uid: `${run.value}-chatty` }, spec: { containers: [talker, follower, warner] } };

before(async () => {
  docker = await connectDocker();
  runtime = await DockerPodRuntime.open((await startTestNode(docker, run, labels)).options);
  const { infraId, podIp } = await runtime.startInfra(pod);
  // Attempt 0 of the talker said something else before it "crashed".
  const old = await runtime.startContainer(pod, { ...talker, command: ["/bin/sh", "-c", "echo from-before"] }, "app", 0, infraId, podIp);
  await docker.getContainer(old).wait();
  const current = await runtime.startContainer(pod, talker, "app", 1, infraId, podIp);
  for (let i = 0; i < 100; i++) {
    if ((await text(await containerLogs(runtime, pod, { container: "talker" }))).includes("line5")) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(current);
  const warnerId = await runtime.startContainer(pod, warner, "app", 0, infraId, podIp);
  for (let i = 0; i < 100; i++) {
    if ((await text(await containerLogs(runtime, pod, { container: "warner" }))).includes("oops")) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(warnerId);
  await runtime.startContainer(pod, follower, "app", 0, infraId, podIp);
});

after(async () => {
  if (docker !== undefined) await removeByLabel(docker, run.filter);
});

async function text(stream: Readable): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts).toString();
}

test("stdout and stderr, tail, timestamps, limitBytes", async () => {
  assert.equal(await text(await containerLogs(runtime, pod, { container: "talker" })), "line1\nline2\nline3\nline4\nline5\n");
  assert.equal(await text(await containerLogs(runtime, pod, { container: "warner" })), "oops\n", "stderr is in the log");
  assert.equal(await text(await containerLogs(runtime, pod, { container: "talker", tailLines: 2 })), "line4\nline5\n");
  const stamped = (await text(await containerLogs(runtime, pod, { container: "talker", tailLines: 1, timestamps: true }))).trim();
  assert.match(stamped, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z line5$/);
  assert.equal(await text(await containerLogs(runtime, pod, { container: "talker", limitBytes: 8 })), "line1\nli");
});

test("--previous reads the last terminated attempt", async () => {
  assert.equal(await text(await containerLogs(runtime, pod, { container: "talker", previous: true })), "from-before\n");
  await assert.rejects(containerLogs(runtime, pod, { container: "follower", previous: true }), /previous terminated container "follower" in pod "chatty" not found/);
});

test("-f follows until the container ends", async () => {
  assert.equal(await text(await containerLogs(runtime, pod, { container: "follower", follow: true })), "first\nsecond\n");
});

test("a pod of several containers needs -c, as kubectl says", async () => {
  await assert.rejects(containerLogs(runtime, pod), /a container name must be specified for pod chatty, choose one of: \[talker follower warner\]/);
  await assert.rejects(containerLogs(runtime, pod, { container: "nope" }), /container nope is not valid for pod chatty/);
});
