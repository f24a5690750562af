import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { KubeConfig } from "@kubernetes/client-node";
import { kubeconfigWithServer } from "../../proto/kube/kubeconfig.ts";
import { memberChildren } from "./member-command.ts";
import { parseMemberFlags } from "./member-flags.ts";

const base = ["--name=s2", "--ip=10.77.0.12", "--data-dir=/data", "--certs=/certs", "--initial-cluster=s1=http://10.77.0.11:2380,s2=http://10.77.0.12:2380"];

test("member flags: required flags, and an --initial-cluster that must name this member", () => {
  assert.throws(() => parseMemberFlags(base.filter((a) => !a.startsWith("--ip"))), /--ip is required/);
  assert.throws(() => parseMemberFlags([...base.slice(0, 4), "--initial-cluster=s1=http://10.77.0.11:2380"]), /does not name this member \(s2\)/);
  assert.throws(() => parseMemberFlags([...base, "--initial-cluster-state=old"]), /new or existing/);
  assert.throws(() => parseMemberFlags([...base, "--secure-port=70000"]), /not a port/);
  assert.throws(() => parseMemberFlags([...base, "--bogus"]), /bogus/);
});

test("a member runs its store, an API server on that store, elected scheduler and controller manager, and the dashboard", () => {
  const flags = parseMemberFlags([...base, "--leader-elect-lease-duration=6s", "--controller-arg=--node-monitor-grace-period=5s"]);
  const children = memberChildren(flags, { command: "node", args: ["cp.mjs"] }, "/data/local.kubeconfig");
  const byName = new Map(children.map((c) => [c.name, c.args]));
  assert.deepEqual([...byName.keys()], ["store", "apiserver", "scheduler", "controller-manager", "dashboard"]);
  const store = byName.get("store") ?? [];
  assert.deepEqual(store.slice(0, 2), ["cp.mjs", "store"]);
  assert.ok(store.includes("--advertise-client-urls=http://10.77.0.12:2379"));
  assert.ok(store.includes("--initial-advertise-peer-urls=http://10.77.0.12:2380"));
  assert.ok(store.includes("--data-dir=/data/store"));
  const api = byName.get("apiserver") ?? [];
  assert.ok(api.includes("--etcd-servers=http://127.0.0.1:2379"));
  assert.ok(api.includes("--advertise-address=10.77.0.12"));
  assert.ok(api.includes("--client-ca-file=/certs/ca.crt"));
  for (const elected of ["scheduler", "controller-manager"]) {
    const args = byName.get(elected) ?? [];
    assert.ok(args.includes("--leader-elect") && args.includes("--kubeconfig=/data/local.kubeconfig"), elected);
    assert.ok(args.includes("--leader-elect-lease-duration=6s"), elected);
  }
  assert.ok(byName.get("controller-manager")?.includes("--node-monitor-grace-period=5s"));
  // /metrics of each child on a port of its own (the API server's is on its secure port).
  assert.ok(store.includes("--listen-metrics-urls=http://0.0.0.0:2381"));
  assert.ok(byName.get("scheduler")?.includes("--metrics-bind-address=0.0.0.0:10259"));
  assert.ok(byName.get("controller-manager")?.includes("--metrics-bind-address=0.0.0.0:10257"));
  assert.ok(!byName.get("scheduler")?.includes("--node-monitor-grace-period=5s"));
  const dashboard = byName.get("dashboard") ?? [];
  assert.ok(dashboard.includes("--secure-port=8443"));
  assert.ok(dashboard.includes("--token-auth-file=/certs/tokens.csv"));
  // Every member's client address, from the peer URLs of --initial-cluster.
  assert.ok(dashboard.includes("--store-endpoints=s1=http://10.77.0.11:2379,s2=http://10.77.0.12:2379"));
});

test("the local kubeconfig keeps the credentials and points at the member's own API server", () => {
  const dir = mkdtempSync(join(tmpdir(), "skiff-member-"));
  try {
    const admin = join(dir, "kubeconfig");
    writeFileSync(
      admin,
      `apiVersion: v1
kind: Config
clusters:
- name: skiff
  cluster: {server: "https://10.77.0.11:6443", certificate-authority-data: Q0E=}
users:
- name: admin
  user: {token: secret-token}
contexts:
- name: skiff
  context: {cluster: skiff, user: admin}
current-context: skiff
`,
    );
    const kc = new KubeConfig();
    kc.loadFromString(kubeconfigWithServer(admin, "https://127.0.0.1:6443"));
    assert.equal(kc.getCurrentCluster()?.server, "https://127.0.0.1:6443");
    assert.equal(kc.getCurrentCluster()?.caData, "Q0E=");
    assert.equal(kc.getCurrentUser()?.token, "secret-token");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
