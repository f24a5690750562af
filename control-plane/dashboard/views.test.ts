import assert from "node:assert/strict";
import { test } from "node:test";
import { adminToken, cookies, sameToken } from "./auth.ts";
import { machineOf, ownContainerId, parseScope, scopeFromLabels } from "./machines.ts";
import { parseStoreEndpoints, storeEndpointsFromInitialCluster } from "./members.ts";
import { endpointsView, eventView, nodeView, podView, serviceView } from "./views.ts";

test("views keep what the page shows of each object", () => {
  assert.deepEqual(
    nodeView({ metadata: { name: "n1" }, spec: { unschedulable: true }, status: { conditions: [{ type: "Ready", status: "False" }], addresses: [{ type: "InternalIP", address: "10.0.0.5" }] } }),
    { name: "n1", ready: "False", unschedulable: true, ip: "10.0.0.5" },
  );
  assert.equal(nodeView({ metadata: { name: "n2" } }).ready, "Unknown");
  const p = podView({
    metadata: { namespace: "ns", name: "web", deletionTimestamp: "2026-01-01T00:00:00Z" as unknown as Date },
    spec: { nodeName: "n1", containers: [] },
    status: { phase: "Running", podIP: "10.244.1.2", conditions: [{ type: "Ready", status: "True" }] },
  });
  assert.deepEqual(p, { key: "ns/web", namespace: "ns", name: "web", node: "n1", phase: "Running", ready: true, deleting: true, ip: "10.244.1.2" });
  assert.equal(podView({ metadata: { namespace: "ns", name: "new" }, spec: { containers: [] } }).phase, "Pending");
  assert.deepEqual(serviceView({ metadata: { namespace: "ns", name: "web" }, spec: { type: "NodePort", clusterIP: "10.96.0.9", ports: [{ port: 80, nodePort: 30080, protocol: "TCP" }] } }).ports, ["80:30080/TCP"]);
  assert.deepEqual(
    endpointsView({
      metadata: { namespace: "ns", name: "web" },
      subsets: [{ addresses: [{ ip: "10.244.1.2" }], notReadyAddresses: [{ ip: "10.244.2.2" }], ports: [{ port: 8080 }] }],
    }),
    { key: "ns/web", ready: ["10.244.1.2:8080"], notReady: ["10.244.2.2:8080"] },
  );
  const e = eventView({ metadata: { namespace: "ns", name: "e1" }, involvedObject: { kind: "Pod", name: "web" }, reason: "Scheduled", eventTime: "2026-01-01T00:00:05.000000Z" as unknown as Date });
  assert.equal(e.time, "2026-01-01T00:00:05.000000Z");
  assert.equal(e.object, "Pod/web");
});

test("the admin token is the system:masters line of the token file; cookies parse", () => {
  const file = 'aaa,skiff-admin-token,uid-admin,"system:masters"\nbbb,skiff-viewer,uid-viewer,"skiff:viewers"\n';
  assert.equal(adminToken(file), "aaa");
  assert.throws(() => adminToken("bbb,skiff-viewer,uid,\"v\"\n"), /system:masters/);
  assert.ok(sameToken("aaa", "aaa"));
  assert.ok(!sameToken("aaa", "aab") && !sameToken("aaa", "aaaa"));
  assert.equal(cookies("a=1; skiff_token=x%3Dy").get("skiff_token"), "x=y");
});

test("the buttons' scope: a label given, or the cluster label of the dashboard's own container", () => {
  assert.deepEqual(parseScope("skiff.test-run=abc"), { key: "skiff.test-run", value: "abc" });
  assert.throws(() => parseScope("novalue="), /key=value/);
  const id = "0123456789abcdef".repeat(4);
  assert.equal(ownContainerId(`612 600 0:35 /var/lib/docker/containers/${id}/hostname /etc/hostname rw`), id);
  assert.equal(ownContainerId("12:cpu:/docker/" + id), id);
  assert.equal(ownContainerId("0::/user.slice"), undefined);
  assert.deepEqual(scopeFromLabels({ "skiff.cluster": "demo", "com.docker.compose.project": "x" }), { key: "skiff.cluster", value: "demo" });
  assert.deepEqual(scopeFromLabels({ "com.docker.compose.project": "skiff" }), { key: "com.docker.compose.project", value: "skiff" });
  assert.equal(scopeFromLabels({}), undefined);
  assert.deepEqual(machineOf({ "skiff.machine": "n1", "skiff.role": "node" }, "running"), { name: "n1", role: "node", state: "running" });
  assert.deepEqual(machineOf({ "com.docker.compose.service": "s2", "skiff.component": "control-plane" }, "exited"), { name: "s2", role: "member", state: "exited" });
  // The compose project's one-shot certs container is no machine.
  assert.equal(machineOf({ "com.docker.compose.service": "certs", "skiff.component": "certs" }, "exited"), undefined);
});

test("store endpoints: named URLs, or derived from the peer URLs of --initial-cluster", () => {
  assert.deepEqual(parseStoreEndpoints("s1=http://10.0.0.1:2379, 127.0.0.1:2479"), [
    { name: "s1", endpoint: "10.0.0.1:2379" },
    { name: "127.0.0.1:2479", endpoint: "127.0.0.1:2479" },
  ]);
  assert.equal(storeEndpointsFromInitialCluster("s1=http://10.0.0.1:2380,s2=http://10.0.0.2:2380", 2379), "s1=http://10.0.0.1:2379,s2=http://10.0.0.2:2379");
});
