import assert from "node:assert/strict";
import { test } from "node:test";
import { parseControllers, parseFlags } from "./controller-manager-command.ts";

test("flags: --kubeconfig in either form, --concurrent-syncs, refusals", () => {
  const plain = parseFlags(["--kubeconfig", "/k"]);
  assert.equal(plain.kubeconfig, "/k");
  assert.equal(plain.workers, 5);
  assert.equal(plain.election.enabled, false);
  assert.equal(parseFlags(["--kubeconfig=/k", "--concurrent-syncs=2"]).workers, 2);
  assert.throws(() => parseFlags(["--kubeconfig=/k", "--concurrent-syncs=0"]), /positive integer/);
  const elect = parseFlags(["--kubeconfig=/k", "--leader-elect", "--leader-elect-lease-duration=6s"]);
  assert.equal(elect.election.enabled, true);
  assert.equal(elect.election.leaseDurationMs, 6000);
  assert.equal(elect.election.namespace, "kube-system");
  assert.equal(elect.election.name, "kube-controller-manager");
  assert.throws(() => parseFlags(["--kubeconfig=/k", "--leader-elect-renew-deadline=9s"]), /leaseDuration must be greater/);
  assert.throws(() => parseFlags(["--kubeconfig=/k", "--bogus=1"]), /unknown flag --bogus/);
  assert.throws(() => parseFlags(["--kubeconfig"]), /needs a value/);
});

test("--controllers: all by default, a list, \"*\" with exclusions, unknown names refused", () => {
  const all = parseFlags(["--kubeconfig=/k"]).enabled;
  assert.ok(all("garbagecollector") && all("replicaset"));
  const some = parseControllers("garbagecollector");
  assert.ok(some("garbagecollector"));
  assert.ok(!some("replicaset"));
  const most = parseControllers("*,-deployment");
  assert.ok(most("replicaset"));
  assert.ok(!most("deployment"));
  assert.throws(() => parseFlags(["--kubeconfig=/k", "--controllers=frob"]), /unknown controller "frob"/);
  assert.equal(parseFlags(["--kubeconfig=/k"]).terminatedPodGcThreshold, 12500);
  assert.equal(parseFlags(["--kubeconfig=/k", "--terminated-pod-gc-threshold=3"]).terminatedPodGcThreshold, 3);
  assert.throws(() => parseFlags(["--kubeconfig=/k", "--terminated-pod-gc-threshold=x"]), /must be an integer/);
});

test("node lifecycle flags: skiff's fast defaults, Kubernetes' values a flag away", () => {
  const plain = parseFlags(["--kubeconfig", "/k"]).nodeLifecycle;
  assert.equal(plain.gracePeriodMs, 4000);
  assert.equal(plain.monitorPeriodMs, 500);
  assert.deepEqual(plain.rates, { evictionRate: 0.1, secondaryEvictionRate: 0.01, unhealthyZoneThreshold: 0.55, largeClusterSizeThreshold: 50 });
  const kube = parseFlags(["--kubeconfig", "/k", "--node-monitor-grace-period=40s", "--node-monitor-period", "5s", "--node-eviction-rate=1", "--unhealthy-zone-threshold=0.7"]).nodeLifecycle;
  assert.equal(kube.gracePeriodMs, 40_000);
  assert.equal(kube.monitorPeriodMs, 5000);
  assert.equal(kube.rates.evictionRate, 1);
  assert.equal(kube.rates.unhealthyZoneThreshold, 0.7);
  assert.throws(() => parseFlags(["--kubeconfig=/k", "--unhealthy-zone-threshold=2"]), /invalid value/);
  assert.throws(() => parseFlags(["--kubeconfig=/k", "--node-monitor-grace-period=soon"]), /invalid duration/);
});

test("--metrics-bind-address: host:port or :port, off by default", () => {
  assert.equal(parseFlags(["--kubeconfig=/k"]).metricsBind, undefined);
  assert.deepEqual(parseFlags(["--kubeconfig=/k", "--metrics-bind-address=127.0.0.1:10257"]).metricsBind, { host: "127.0.0.1", port: 10257 });
  assert.deepEqual(parseFlags(["--kubeconfig=/k", "--metrics-bind-address", ":10257"]).metricsBind, { host: "0.0.0.0", port: 10257 });
  assert.throws(() => parseFlags(["--kubeconfig=/k", "--metrics-bind-address=here"]), /not host:port/);
});
