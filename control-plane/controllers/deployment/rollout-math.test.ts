import assert from "node:assert/strict";
import { test } from "node:test";
import type { V1ReplicaSet } from "@kubernetes/client-node";
import { deployment } from "../test-support.ts";
import { isScalingEvent, proportionalSizes } from "./proportional-scale.ts";
import { newReplicaSetReplicas, oldReplicaSetScaleDown, resolveFenceposts, scaledValue } from "./rollout-math.ts";

test("percentages round up for maxSurge and down for maxUnavailable, as kube's intstr does", () => {
  assert.equal(scaledValue("25%", 10, true), 3);
  assert.equal(scaledValue("25%", 10, false), 2);
  assert.equal(scaledValue("30%", 3, true), 1);
  assert.equal(scaledValue("30%", 3, false), 0);
  assert.equal(scaledValue(4, 10, true), 4);
  assert.equal(scaledValue("7", 10, true), 7);
  assert.throws(() => scaledValue("lots", 10, true), /IntOrString/);
  assert.deepEqual(resolveFenceposts("25%", "25%", 10), { maxSurge: 3, maxUnavailable: 2 });
  assert.deepEqual(resolveFenceposts("10%", "10%", 5), { maxSurge: 1, maxUnavailable: 0 });
  assert.deepEqual(resolveFenceposts(0, "10%", 5), { maxSurge: 0, maxUnavailable: 1 }, "both zero: one may be unavailable");
  assert.deepEqual(resolveFenceposts("0%", 0, 5), { maxSurge: 0, maxUnavailable: 1 });
});

function rs(name: string, replicas: number, available: number, created: number, statusReplicas = replicas): V1ReplicaSet {
  return {
    metadata: { name, creationTimestamp: new Date(created) },
    spec: { replicas, selector: {}, template: {} },
    status: { replicas: statusReplicas, availableReplicas: available },
  };
}

test("the new ReplicaSet grows up to replicas+maxSurge pods in all", () => {
  const d = deployment("web", 10); // surge 3, unavailable 2
  assert.equal(newReplicaSetReplicas(d, [rs("old", 10, 10, 1)], undefined), 3);
  const n = rs("new", 3, 0, 2);
  assert.equal(newReplicaSetReplicas(d, [rs("old", 10, 10, 1), n], n), 3, "13 pods already");
  assert.equal(newReplicaSetReplicas(d, [rs("old", 8, 8, 1), n], n), 5);
  assert.equal(newReplicaSetReplicas(d, [rs("old", 8, 8, 1, 10), n], n), 3, "the old pods not yet deleted still count");
  const full = rs("new", 9, 9, 2);
  assert.equal(newReplicaSetReplicas(d, [rs("old", 0, 0, 1), full], full), 10, "never beyond replicas");
});

test("old ReplicaSets shrink only as far as availability allows, unhealthy replicas first", () => {
  const d = deployment("web", 10); // minAvailable 8
  // 10 old available, 3 new not yet available: 2 old may go.
  assert.deepEqual([...oldReplicaSetScaleDown(d, [rs("old", 10, 10, 1)], rs("new", 3, 0, 2))], [["old", 8]]);
  // Just told to shrink to 8: its 10 available pods count as 8, so nothing more until the new ones are up.
  assert.deepEqual([...oldReplicaSetScaleDown(d, [rs("old", 8, 10, 1, 10)], rs("new", 5, 0, 2))], []);
  // 3 new ones available: 3 more old ones may go.
  assert.deepEqual([...oldReplicaSetScaleDown(d, [rs("old", 8, 8, 1)], rs("new", 5, 3, 2))], [["old", 5]]);
  // Unhealthy old replicas go first, even below minAvailable's budget for healthy ones.
  assert.deepEqual([...oldReplicaSetScaleDown(d, [rs("a", 4, 1, 1), rs("b", 6, 6, 2)], rs("new", 3, 0, 3))], [["a", 2]], "13 pods, 8 must stay available, 3 new ones are not: 2 may go");
  // Oldest first.
  assert.deepEqual([...oldReplicaSetScaleDown(d, [rs("b", 5, 5, 2), rs("a", 5, 5, 1)], rs("new", 3, 3, 3))], [["a", 0]]);
});

test("a replicas change mid-rollout is shared in proportion (kube's sync.scale)", () => {
  const annotated = (name: string, replicas: number, created: number, max: number): V1ReplicaSet => {
    const r = rs(name, replicas, replicas, created);
    r.metadata!.annotations = { "deployment.kubernetes.io/desired-replicas": "10", "deployment.kubernetes.io/max-replicas": String(max) };
    return r;
  };
  // 10 replicas, surge 3: old 8 + new 5 = 13. Scaled to 20 (max 25): 12 more, shared 8:5.
  const d = deployment("web", 20);
  const sizes = proportionalSizes(d, annotated("new", 5, 2, 13), [annotated("old", 8, 1, 13)]);
  assert.deepEqual(Object.fromEntries(sizes), { old: 15, new: 10 });
  assert.ok(isScalingEvent(d, [annotated("old", 8, 1, 13)]));
  // Scaled down to 5 (max 7): 6 fewer.
  const down = proportionalSizes(deployment("web", 5), annotated("new", 5, 2, 13), [annotated("old", 8, 1, 13)]);
  assert.deepEqual(Object.fromEntries(down), { old: 4, new: 3 });
  // A sole active ReplicaSet takes the count.
  assert.deepEqual(Object.fromEntries(proportionalSizes(deployment("web", 4), annotated("new", 10, 2, 13), [annotated("old", 0, 1, 13)])), { new: 4 });
});
