// The production path of the proxy: LocalIptables spawning iptables-restore
// and iptables in its own namespace, bundled and run inside a
// skiff/node-agent container with NET_ADMIN and no network. Run twice, as
// an agent restart would: the second run replaces the rules in place.
import assert from "node:assert/strict";
import { realpathSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type Docker from "dockerode";
import { build } from "esbuild";
import { connectDocker } from "../../test/support/cluster-network.ts";
import { removeByLabel, runToCompletion, testRunLabel } from "../../test/support/docker.ts";
import { ensureNodeAgentImage, nodeAgentImage } from "../../test/support/node-agent-image.ts";

const run = testRunLabel("local-iptables");
const labels = { [run.key]: run.value };
let docker: Docker;
let dir = "";

before(async () => {
  docker = await connectDocker();
  await ensureNodeAgentImage(docker);
  dir = await mkdtemp(join(tmpdir(), "skiff-local-iptables-"));
  await build({
    entryPoints: [new URL("./testdata/apply-rules.ts", import.meta.url).pathname],
    outfile: join(dir, "apply-rules.mjs"),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "warning",
  });
});

after(async () => {
  if (docker !== undefined) await removeByLabel(docker, run.filter);
  if (dir !== "") await rm(dir, { recursive: true, force: true });
});

test("LocalIptables writes the rules in the agent's own namespace, and again after a restart", async () => {
  const node = realpathSync(process.execPath);
  const state = (endpoints: string[]) =>
    JSON.stringify({
      serviceCidr: "10.96.0.0/16",
      nodeIp: "10.77.0.21",
      services: [{ metadata: { name: "web", namespace: "shop" }, spec: { clusterIP: "10.96.0.10", ports: [{ port: 80 }] } }],
      endpoints: [{ metadata: { name: "web", namespace: "shop" }, subsets: [{ addresses: endpoints.map((ip) => ({ ip })), ports: [{ port: 8080 }] }] }],
    });
  const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  const script = [
    `${node} /work/apply-rules.mjs ${quote(state(["10.244.1.2", "10.244.1.3"]))}`,
    `${node} /work/apply-rules.mjs ${quote(state(["10.244.1.4"]))}`,
    "iptables-save",
  ].join(" && ");
  const result = await runToCompletion(docker, {
    Image: nodeAgentImage,
    Entrypoint: ["/bin/sh", "-c", script],
    Labels: labels,
    HostConfig: { NetworkMode: "none", CapAdd: ["NET_ADMIN"], Binds: [`${dir}:/work:ro`] },
  });
  assert.equal(result.exitCode, 0, result.stderr);
  assert.equal(result.stdout.match(/^restores=1$/gm)?.length, 2);
  const lines = result.stdout.split("\n");
  assert.equal(lines.filter((l) => l === "-A PREROUTING -j SKIFF-SERVICES").length, 1);
  assert.equal(lines.filter((l) => l === "-A FORWARD -j SKIFF-SERVICES").length, 1);
  assert.ok(lines.some((l) => l.endsWith("-j DNAT --to-destination 10.244.1.4:8080")));
  assert.ok(!lines.some((l) => l.includes("10.244.1.2")), "the first run's endpoints are gone");
  assert.equal(lines.filter((l) => /^:SKIFF-SEP-/.test(l)).length, 1, "stale endpoint chains deleted");
});
