import assert from "node:assert/strict";
import { test } from "node:test";
import type { KubeObject } from "../types.ts";
import { daemonSets, statefulSets } from "./workloads.ts";

const template = { metadata: { labels: { app: "x" } }, spec: { containers: [{ name: "c", image: "demo" }] } };

function object(kind: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: "apps/v1", kind, metadata: { name: "x", namespace: "default" }, spec: { selector: { matchLabels: { app: "x" } }, template: structuredClone(template), ...spec } } as KubeObject;
}

test("StatefulSet defaults: OrderedReady, RollingUpdate with partition 0 (also when only the type is given), history 10", () => {
  for (const spec of [{}, { updateStrategy: { type: "RollingUpdate" } }]) {
    const o = object("StatefulSet", { serviceName: "x", ...spec });
    statefulSets.defaults!(o);
    const s = o.spec as Record<string, unknown>;
    assert.equal(s.podManagementPolicy, "OrderedReady");
    assert.deepEqual(s.updateStrategy, { type: "RollingUpdate", rollingUpdate: { partition: 0 } });
    assert.equal(s.revisionHistoryLimit, 10);
    assert.equal(s.replicas, 1);
  }
});

test("DaemonSet defaults: RollingUpdate with maxUnavailable 1 and maxSurge 0", () => {
  const o = object("DaemonSet", { updateStrategy: { type: "RollingUpdate" } });
  daemonSets.defaults!(o);
  assert.deepEqual((o.spec as Record<string, unknown>).updateStrategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
});

test("StatefulSet validation: policy and strategy values, negative partition, and the fields that may not change", () => {
  const fields = (o: KubeObject, old?: KubeObject): string[] => statefulSets.validate!(o, old).map((c) => c.field ?? "");
  assert.deepEqual(fields(object("StatefulSet", { podManagementPolicy: "Random" })), ["spec.podManagementPolicy"]);
  assert.deepEqual(fields(object("StatefulSet", { updateStrategy: { type: "Sometimes" } })), ["spec.updateStrategy.type"]);
  assert.deepEqual(fields(object("StatefulSet", { updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: -1 } } })), ["spec.updateStrategy.rollingUpdate.partition"]);
  const old = object("StatefulSet", { serviceName: "a", replicas: 1 });
  assert.deepEqual(fields(object("StatefulSet", { serviceName: "a", replicas: 5 }), old), []);
  const changed = statefulSets.validate!(object("StatefulSet", { serviceName: "b", replicas: 1 }), old);
  assert.equal(changed.length, 1);
  assert.match(changed[0]!.message ?? "", /updates to statefulset spec for fields other than 'replicas'/);
});

test("DaemonSet validation: strategy type, and maxUnavailable 0 with maxSurge 0 is refused", () => {
  const fields = (o: KubeObject): string[] => daemonSets.validate!(o, undefined).map((c) => c.field ?? "");
  assert.deepEqual(fields(object("DaemonSet", { updateStrategy: { type: "Never" } })), ["spec.updateStrategy.type"]);
  assert.deepEqual(fields(object("DaemonSet", { updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } } })), ["spec.updateStrategy.rollingUpdate.maxUnavailable"]);
  assert.deepEqual(fields(object("DaemonSet", { updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "50%" } } })), []);
});
