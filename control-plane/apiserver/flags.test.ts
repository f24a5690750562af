import assert from "node:assert/strict";
import { test } from "node:test";
import { FlagError, parseApiServerFlags } from "./flags.ts";

const base = ["--etcd-servers=http://127.0.0.1:2379,http://127.0.0.1:2380", "--tls-cert-file=c", "--tls-private-key-file=k", "--token-auth-file=t"];

test("kube-apiserver flag names and defaults", () => {
  const f = parseApiServerFlags(base);
  assert.deepEqual(f.etcdServers, ["http://127.0.0.1:2379", "http://127.0.0.1:2380"]);
  assert.equal(f.securePort, 6443);
  assert.equal(f.serviceClusterIpRange.address(1), "10.96.0.1");
  assert.deepEqual(f.serviceNodePortRange, { min: 30000, max: 32767 });
  const g = parseApiServerFlags([...base, "--secure-port", "7443", "--bind-address=127.0.0.1", "--service-cluster-ip-range=10.0.0.0/24", "--service-node-port-range=31000-31010"]);
  assert.equal(g.securePort, 7443);
  assert.equal(g.advertiseAddress, "127.0.0.1");
  assert.equal(g.serviceClusterIpRange.size, 256);
  assert.deepEqual(f.defaultTolerationSeconds, { notReady: 2, unreachable: 2 });
  const k = parseApiServerFlags([...base, "--default-not-ready-toleration-seconds=300", "--default-unreachable-toleration-seconds", "300"]);
  assert.deepEqual(k.defaultTolerationSeconds, { notReady: 300, unreachable: 300 }, "Kubernetes' defaults are a flag away");
});

test("bad flags are refused", () => {
  assert.throws(() => parseApiServerFlags(["--tls-cert-file=c"]), FlagError);
  assert.throws(() => parseApiServerFlags([...base, "--secure-port=99999"]), FlagError);
  assert.throws(() => parseApiServerFlags([...base, "--service-cluster-ip-range=10.0.0.0"]), FlagError);
  assert.throws(() => parseApiServerFlags([...base, "--bogus"]), FlagError);
  assert.throws(() => parseApiServerFlags([...base, "--default-unreachable-toleration-seconds=-1"]), FlagError);
});
