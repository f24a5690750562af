import assert from "node:assert/strict";
import { test } from "node:test";
import { parseAgentFlags, parseDuration, parseTaints } from "./flags.ts";

const required = ["--kubeconfig", "k", "--node-name", "n1", "--pod-cidr", "10.244.1.0/24", "--service-cidr", "10.96.0.0/16"];

test("defaults follow kubelet's (2 s lease renewal, 110 pods, cluster.local, port 10250)", () => {
  const f = parseAgentFlags(required);
  assert.equal(f.leaseRenewMs, 2000);
  assert.equal(f.maxPods, 110);
  assert.equal(f.clusterDomain, "cluster.local");
  assert.equal(f.logPort, 10250);
  assert.equal(f.cpuMillis, undefined, "capacity defaults to the container's limits");
  assert.deepEqual(f.taints, []);
});

test("capacity, taints, labels and intervals from flags", () => {
  const f = parseAgentFlags([
    ...required,
    "--cpu=1.5",
    "--memory=1Gi",
    "--max-pods=30",
    "--register-with-taints=dedicated=gpu:NoSchedule,spot:PreferNoSchedule",
    "--node-labels=zone=a,tier=web",
    "--node-lease-renew-interval=500ms",
  ]);
  assert.equal(f.cpuMillis, 1500);
  assert.equal(f.memoryBytes, 2 ** 30);
  assert.equal(f.maxPods, 30);
  assert.deepEqual(f.taints, [
    { key: "dedicated", value: "gpu", effect: "NoSchedule" },
    { key: "spot", effect: "PreferNoSchedule" },
  ]);
  assert.deepEqual(f.labels, { zone: "a", tier: "web" });
  assert.equal(f.leaseRenewMs, 500);
});

test("missing or malformed flags are refused with the flag's name", () => {
  assert.throws(() => parseAgentFlags(["--kubeconfig", "k"]), /--node-name is required/);
  assert.throws(() => parseTaints("novalue"), /invalid taint/);
  assert.throws(() => parseDuration("soon"), /invalid duration/);
  assert.throws(() => parseAgentFlags([...required, "--bogus"]), /bogus/);
});

test("--api-servers names the balancer's backends (port 6443 by default); --container-labels label the pods' containers", () => {
  const f = parseAgentFlags([...required, "--api-servers", "10.77.0.11:6443,10.77.0.12", "--container-labels", "skiff.cluster=demo"]);
  assert.deepEqual(f.apiServers, [
    { host: "10.77.0.11", port: 6443 },
    { host: "10.77.0.12", port: 6443 },
  ]);
  assert.deepEqual(f.containerLabels, { "skiff.cluster": "demo" });
  assert.deepEqual(parseAgentFlags(required).apiServers, []);
  assert.throws(() => parseAgentFlags([...required, "--api-servers", "10.77.0.11:99999"]), /invalid API server/);
});
