import assert from "node:assert/strict";
import { realpathSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import type Docker from "dockerode";
import { build } from "esbuild";
import { connectDocker } from "../../test/support/cluster-network.ts";
import { removeByLabel, runToCompletion, testRunLabel } from "../../test/support/docker.ts";
import { ensureNodeAgentImage, nodeAgentImage } from "../../test/support/node-agent-image.ts";
import { containerLimits, nodeObject, shouldPostStatus } from "./node-status.ts";

const run = testRunLabel("node-status");
let docker: Docker | undefined;
let dir = "";

after(async () => {
  if (docker !== undefined) await removeByLabel(docker, run.filter);
  if (dir !== "") await rm(dir, { recursive: true, force: true });
});

const files = (m: Record<string, string>) => async (p: string) => m[p];

test("limits from cgroup v1 and v2; the machine's when unlimited", async () => {
  assert.deepEqual(
    await containerLimits(
      files({
        "/sys/fs/cgroup/cpu/cpu.cfs_quota_us": "150000",
        "/sys/fs/cgroup/cpu/cpu.cfs_period_us": "100000",
        "/sys/fs/cgroup/memory/memory.limit_in_bytes": "268435456",
      }),
    ),
    { cpuMillis: 1500, memoryBytes: 268435456 },
  );
  assert.deepEqual(await containerLimits(files({ "/sys/fs/cgroup/cpu.max": "50000 100000", "/sys/fs/cgroup/memory.max": "1073741824" })), {
    cpuMillis: 500,
    memoryBytes: 1073741824,
  });
  const unlimited = await containerLimits(files({ "/sys/fs/cgroup/cpu/cpu.cfs_quota_us": "-1", "/sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712" }));
  assert.equal(unlimited.memoryBytes, totalmem());
});

test("the Node object: labels, addresses, capacity, taints, conditions", () => {
  const now = new Date("2026-11-23T17:00:00Z");
  const node = nodeObject(
    { nodeName: "n1", internalIp: "10.77.1.2", limits: { cpuMillis: 1500, memoryBytes: 256 * 2 ** 20 }, taints: [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }], podCidr: "10.244.1.0/24" },
    now,
  );
  assert.equal(node.metadata?.labels?.["kubernetes.io/hostname"], "n1");
  assert.equal(node.metadata?.labels?.["kubernetes.io/os"], "linux");
  assert.deepEqual(node.status?.capacity, { cpu: "1500m", memory: "262144Ki", pods: "110" });
  assert.deepEqual(node.status?.allocatable, node.status?.capacity);
  assert.deepEqual(node.status?.addresses?.[0], { type: "InternalIP", address: "10.77.1.2" });
  assert.deepEqual(node.spec?.taints, [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }]);
  assert.deepEqual(
    node.status?.conditions?.map((c) => [c.type, c.status, c.reason]),
    [
      ["MemoryPressure", "False", "KubeletHasSufficientMemory"],
      ["DiskPressure", "False", "KubeletHasNoDiskPressure"],
      ["PIDPressure", "False", "KubeletHasSufficientPID"],
      ["Ready", "True", "KubeletReady"],
    ],
  );
});

test("status is posted on change, else at least every minute", () => {
  const opts = { nodeName: "n1", internalIp: "10.77.1.2", limits: { cpuMillis: 1000, memoryBytes: 2 ** 30 } };
  const t0 = new Date("2026-11-23T17:00:00Z");
  const posted = nodeObject(opts, t0);
  const at = (s: number) => new Date(t0.getTime() + s * 1000);
  assert.equal(shouldPostStatus(undefined, posted, t0), true);
  assert.equal(shouldPostStatus(posted, nodeObject(opts, at(10), posted), at(10)), false);
  assert.equal(shouldPostStatus(posted, nodeObject(opts, at(60), posted), at(60)), true);
  const bigger = nodeObject({ ...opts, limits: { cpuMillis: 2000, memoryBytes: 2 ** 30 } }, at(10), posted);
  assert.equal(shouldPostStatus(posted, bigger, at(10)), true);
  assert.deepEqual(bigger.status?.conditions?.[3]?.lastTransitionTime, t0, "transition time kept");
});

test("inside a container with --cpus 1.5 --memory 256m the agent finds those limits", async () => {
  docker = await connectDocker();
  await ensureNodeAgentImage(docker);
  dir = await mkdtemp(join(tmpdir(), "skiff-node-status-"));
  await build({
    entryPoints: [new URL("./testdata/print-limits.ts", import.meta.url).pathname],
    outfile: join(dir, "print-limits.mjs"),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "warning",
  });
  const result = await runToCompletion(docker, {
    Image: nodeAgentImage,
    Entrypoint: [realpathSync(process.execPath), "/work/print-limits.mjs"],
    Labels: { [run.key]: run.value },
    HostConfig: { NetworkMode: "none", NanoCpus: 1_500_000_000, Memory: 256 * 2 ** 20, Binds: [`${dir}:/work:ro`] },
  });
  assert.equal(result.exitCode, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout), { cpuMillis: 1500, memoryBytes: 256 * 2 ** 20 });
});
