// A pod resolves Services through the cluster DNS with its search path:
// the DNS server runs in this test on the test network's own bridge
// address (port 53), standing in for the node agent's; the pod's
// resolv.conf names it, and the pod's getaddrinfo applies ndots:5 and the
// search domains. Only this test's network is involved.
import assert from "node:assert/strict";
import { realpathSync } from "node:fs";
import { after, before, test } from "node:test";
import type Docker from "dockerode";
import { connectDocker } from "../../test/support/cluster-network.ts";
import { removeByLabel, testRunLabel } from "../../test/support/docker.ts";

import { execInContainer } from "../kubelet/runtime/exec.ts";
import { DockerPodRuntime, type RuntimePod } from "../kubelet/runtime/pod-runtime.ts";
import { ClusterRecords } from "./records.ts";
import { DnsServer } from "./server.ts";
import { startTestNode } from "../../test/support/test-node.ts";

const run = testRunLabel("pod-dns");
const labels = { [run.key]: run.value };
let docker: Docker;
let server: DnsServer | undefined;
let pod: RuntimePod;

before(async () => {
  docker = await connectDocker();
  await docker.getImage("skiff/demo-app:latest").inspect();
  const node = await startTestNode(docker, run, labels);
  const net = node.net;
  const records = new ClusterRecords(
    "cluster.local",
    [
      { metadata: { name: "web", namespace: "shop" }, spec: { clusterIP: "10.96.0.10", ports: [{ port: 80 }] } },
      { metadata: { name: "db", namespace: "data" }, spec: { clusterIP: "10.96.0.20", ports: [{ port: 5432 }] } },
    ],
    [],
  );
  server = new DnsServer(records);
  await server.listen(net.gateway, 53);
  const runtime = await DockerPodRuntime.open({ ...node.options, dnsIp: net.gateway });
  const started = await runtime.startPod({
    metadata: { name: "client", namespace: "shop", uid: `${run.value}-client` },
    spec: { containers: [{ name: "app", image: "skiff/demo-app:latest" }] },
  });
  assert.equal(started.outcome, "running");
  pod = started.pod;
});

after(async () => {
  await server?.close();
  if (docker !== undefined) await removeByLabel(docker, run.filter);
});

async function lookup(name: string): Promise<string> {
  const node = realpathSync(process.execPath);
  const script = "require('dns').lookup(process.argv[1], { family: 4 }, (e, a) => console.log(e ? e.code : a))";
  const r = await execInContainer(docker, pod.containers[0]!.id, [node, "-e", script, name], 30_000);
  assert.equal(r.exitCode, 0, r.stderr);
  return r.stdout.trim();
}

test("short names resolve through the search path, others' namespaces by <svc>.<ns>", async () => {
  assert.equal(await lookup("web"), "10.96.0.10");
  assert.equal(await lookup("web.shop"), "10.96.0.10");
  assert.equal(await lookup("db.data"), "10.96.0.20");
  assert.equal(await lookup("db.data.svc.cluster.local"), "10.96.0.20");
});

test("unknown names fail with NXDOMAIN, not a timeout", async () => {
  assert.equal(await lookup("db"), "ENOTFOUND", "db lives in another namespace");
  assert.equal(await lookup("nothing.example"), "ENOTFOUND");
});
