// Builds the offline images on the real Docker engine and runs them on a
// sealed (--internal) network of this test's own. Talks only to its own
// containers' addresses, and removes everything it made by its run label.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type Docker from "dockerode";
import { demuxLogs, removeByLabel, runToCompletion, testRunLabel } from "../../test/support/docker.ts";
import { buildBundles, bundles, repoRoot } from "../build/build.ts";
import { imageLabel, sourceHashLabel, type BuildResult } from "./build-image.ts";
import { connectDocker } from "./docker-engine.ts";
import { catalogue, ensureImages, missingBundles, nodeBinary } from "./images.ts";

const run = testRunLabel("images");
const labels = { [run.key]: run.value };
const networkName = `skiff-test-${run.value}`;
let docker: Docker;
let built: BuildResult[] = [];

before(async () => {
  docker = await connectDocker();
  if (missingBundles(repoRoot).length > 0) {
    await buildBundles(repoRoot, bundles.filter((b) => !b.outfile.endsWith("skiff.mjs")));
  }
  built = await ensureImages({ docker });
});

after(async () => {
  if (docker !== undefined) await removeByLabel(docker, run.filter);
});

async function waitForHealthy(url: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
      last = new Error(`status ${res.status}`);
    } catch (err) {
      last = err;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} not healthy after ${timeoutMs} ms: ${String(last)}`);
}

test("every image is built, labelled, and skipped when unchanged", async () => {
  assert.deepEqual(
    built.map((r) => r.name),
    catalogue.map((r) => r.name),
  );
  for (const r of built) {
    const info = await docker.getImage(r.ref).inspect();
    assert.equal(info.Config.Labels?.[imageLabel], "1", `${r.ref} ${imageLabel}`);
    assert.match(info.Config.Labels?.[sourceHashLabel] ?? "", /^[0-9a-f]{64}$/, `${r.ref} ${sourceHashLabel}`);
    assert.equal(info.Config.Labels?.[sourceHashLabel], r.sourceHash);
  }
  const again = await ensureImages({ docker });
  assert.deepEqual(
    again.map((r) => [r.name, r.skipped, r.id]),
    built.map((r) => [r.name, true, r.id]),
  );
});

test("the demo app answers with its hostname and counts requests", async () => {
  await docker.createNetwork({ Name: networkName, Driver: "bridge", Internal: true, CheckDuplicate: true, Labels: labels });
  const hostname = `demo-${run.value.slice(-8)}`;
  const container = await docker.createContainer({
    Image: "skiff/demo-app:latest",
    Hostname: hostname,
    Labels: labels,
    HostConfig: { NetworkMode: networkName },
  });
  await container.start();
  const info = await container.inspect();
  assert.deepEqual(info.Config.Entrypoint, [nodeBinary, "/skiff/demo-app.mjs"]);
  const ip = info.NetworkSettings.Networks[networkName]?.IPAddress;
  assert.ok(ip, "container has an address on the test network");
  const base = `http://${ip}:8080`;

  await waitForHealthy(`${base}/healthz`);
  const first = await (await fetch(`${base}/`, { signal: AbortSignal.timeout(5000) })).text();
  const second = await (await fetch(`${base}/`, { signal: AbortSignal.timeout(5000) })).text();
  assert.equal(first, `hostname=${hostname} requests=1\n`);
  assert.equal(second, `hostname=${hostname} requests=2\n`);
  const health = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(5000) });
  assert.equal(health.status, 200);
  assert.equal((await health.text()).trim(), "ok");

  // `docker stop` sends SIGTERM; exit code 0 (not 137) means the app handled
  // it rather than being killed when the grace period ran out.
  await container.stop({ t: 10 });
  assert.equal((await container.inspect()).State.ExitCode, 0);

  const { stdout } = demuxLogs((await container.logs({ stdout: true, stderr: true })) as unknown as Buffer);
  const lines = stdout.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.ok(lines.every((l) => l["component"] === "demo-app"), stdout);
  assert.deepEqual(
    lines.map((l) => l["msg"]),
    ["listening", "request", "request", "stopping"],
  );
});

test("the control-plane image runs its entry point", async () => {
  const result = await runToCompletion(docker, {
    Image: "skiff/control-plane:latest",
    Cmd: ["version"],
    Labels: labels,
    HostConfig: { NetworkMode: "none" },
  });
  assert.equal(result.exitCode, 0, result.stderr);
  assert.equal(result.stdout, "skiff control-plane 0.1.0\n");
});
