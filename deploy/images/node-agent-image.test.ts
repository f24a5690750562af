// skiff/node-agent: busybox, `ip` and iptables (legacy backend) work inside
// it with NET_ADMIN alone, and a --noflush restore touches only our chains.
// The containers have no network at all; everything is removed by label.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type Docker from "dockerode";
import { removeByLabel, runToCompletion, testRunLabel } from "../../test/support/docker.ts";
import { ensureNodeAgentImage } from "../../test/support/node-agent-image.ts";
import { connectDocker } from "./docker-engine.ts";

const run = testRunLabel("agent-image");
const labels = { [run.key]: run.value };
let docker: Docker;

// This tree's image, by its source-hash tag (`:latest` is shared by every checkout on the engine).
let image = "";

before(async () => {
  docker = await connectDocker();
  image = await ensureNodeAgentImage(docker);
});

after(async () => {
  if (docker !== undefined) await removeByLabel(docker, run.filter);
});

function shell(script: string, capAdd: string[] = ["NET_ADMIN"]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return runToCompletion(docker, {
    Image: image,
    Entrypoint: ["/bin/sh", "-c", script],
    Labels: labels,
    HostConfig: { NetworkMode: "none", CapAdd: capAdd },
  });
}

test("iptables-restore --noflush adds our chains beside existing rules, with the modules the proxy uses", async () => {
  const rules = [
    "*nat",
    ":SKIFF-SERVICES - [0:0]",
    ":SKIFF-SEP-A - [0:0]",
    "-A SKIFF-SERVICES -d 10.96.0.10/32 -p tcp --dport 80 -m statistic --mode random --probability 0.5 -j SKIFF-SEP-A",
    "-A SKIFF-SEP-A -m recent --name SKIFF-SEP-A --set --rsource -p tcp -j DNAT --to-destination 10.244.1.2:8080",
    "COMMIT",
    "",
  ].join("\n");
  const script = [
    "iptables -t nat -A POSTROUTING -j ACCEPT -m comment --comment docker-owned",
    `printf '%s' '${rules}' | iptables-restore --noflush`,
    "iptables-save -t nat",
    "busybox ip route",
  ].join(" && ");
  const { exitCode, stdout, stderr } = await shell(script);
  assert.equal(exitCode, 0, stderr);
  assert.match(stdout, /-A POSTROUTING -m comment --comment docker-owned -j ACCEPT/);
  assert.match(stdout, /-A SKIFF-SERVICES -d 10\.96\.0\.10\/32 -p tcp -m tcp --dport 80 -m statistic --mode random --probability 0\.50+ -j SKIFF-SEP-A/);
  assert.match(stdout, /-j DNAT --to-destination 10\.244\.1\.2:8080/);
});

test("without NET_ADMIN iptables is refused", async () => {
  const { exitCode } = await shell("iptables -t nat -N SKIFF-X", []);
  assert.notEqual(exitCode, 0);
});

test("the entry point is `skiff agent`: without its flags it prints its usage and exits 2", async () => {
  const result = await runToCompletion(docker, { Image: image, Labels: labels, HostConfig: { NetworkMode: "none" } });
  assert.equal(result.exitCode, 2);
  assert.match(result.stderr, /--kubeconfig is required/);
  assert.match(result.stderr, /usage: skiff agent/);
});
