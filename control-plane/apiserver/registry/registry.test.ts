import assert from "node:assert/strict";
import { test } from "node:test";
import { knownModel } from "@skiff/proto/kube/schema.ts";
import { columnsOf, toTable } from "../rest/table.ts";
import { findResource, groups, resourceTypes } from "./index.ts";
import { humanDuration } from "./printing.ts";

test("every kind names a model the field checks know, and a unique resource", () => {
  // Read-only kinds (metrics.k8s.io) have no model.
  for (const t of resourceTypes) assert.ok(t.model === "" || knownModel(t.model), `${t.kind}: no model ${t.model}`);
  const names = resourceTypes.map((t) => `${t.group}/${t.resource}`);
  assert.equal(new Set(names).size, names.length);
  assert.deepEqual(groups().map((g) => g.name), ["apps", "batch", "coordination.k8s.io", "policy", "storage.k8s.io", "apiextensions.k8s.io", "autoscaling", "metrics.k8s.io", "networking.k8s.io"]);
  assert.equal(findResource({ group: "batch", version: "v1beta1" }, "cronjobs")?.kind, "CronJob");
  assert.equal(findResource({ group: "batch", version: "v1beta1" }, "jobs"), undefined);
});

test("tables: pods print NAME READY STATUS RESTARTS AGE, wide adds IP and NODE", () => {
  const pods = findResource({ group: "", version: "v1" }, "pods")!;
  assert.deepEqual(columnsOf(pods).filter((c) => (c.priority ?? 0) === 0).map((c) => c.name), ["Name", "Ready", "Status", "Restarts", "Age"]);
  const now = Date.parse("2026-01-01T00:10:00Z");
  const pod = {
    metadata: { name: "p", namespace: "d", creationTimestamp: "2026-01-01T00:00:00Z" },
    spec: { containers: [{ name: "a" }, { name: "b" }], nodeName: "n1" },
    status: { phase: "Running", podIP: "10.244.0.5", containerStatuses: [{ ready: true, restartCount: 2 }, { ready: false, restartCount: 1, state: { waiting: { reason: "CrashLoopBackOff" } } }] },
  };
  const table = toTable(pods, [pod], "Metadata", {}, now) as { rows: { cells: unknown[] }[] };
  assert.deepEqual(table.rows[0]!.cells, ["p", "1/2", "CrashLoopBackOff", 3, "10m", "10.244.0.5", "n1", "<none>", "<none>"]);
  const nodes = findResource({ group: "", version: "v1" }, "nodes")!;
  assert.deepEqual(columnsOf(nodes).filter((c) => (c.priority ?? 0) === 0).map((c) => c.name), ["Name", "Status", "Roles", "Age", "Version"]);
  const services = findResource({ group: "", version: "v1" }, "services")!;
  assert.deepEqual(columnsOf(services).filter((c) => (c.priority ?? 0) === 0).map((c) => c.name), ["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age"]);
  const deployments = findResource({ group: "apps", version: "v1" }, "deployments")!;
  assert.deepEqual(columnsOf(deployments).filter((c) => (c.priority ?? 0) === 0).map((c) => c.name), ["Name", "Ready", "Up-to-date", "Available", "Age"]);
});

test("ages print as kubectl users know them", () => {
  assert.deepEqual([5e3, 119e3, 150e3, 3600e3, 5 * 3600e3 + 600e3, 30 * 3600e3, 3 * 86400e3 + 3600e3, 400 * 86400e3, 800 * 86400e3].map(humanDuration), ["5s", "119s", "2m30s", "60m", "5h10m", "30h", "3d1h", "400d", "2y"]);
});
