import assert from "node:assert/strict";
import { test } from "node:test";
import { limitReplicas, millicores, proposedReplicas, stabilize, utilization, type Recommendation } from "./replica-calculator.ts";

test("utilisation is usage over requests, rounded down", () => {
  assert.equal(utilization([{ usage: 150, request: 100 }, { usage: 50, request: 100 }]), 100);
  assert.equal(utilization([{ usage: 33, request: 100 }]), 33);
  assert.equal(utilization([{ usage: 10, request: 0 }]), undefined);
  assert.equal(utilization([]), undefined);
});

test("the replica count follows the ratio to the target, within a 10% tolerance", () => {
  assert.equal(proposedReplicas(2, 150, 50, 2), 6);
  assert.equal(proposedReplicas(2, 54, 50, 2), 2);
  assert.equal(proposedReplicas(4, 10, 50, 4), 1);
  assert.equal(limitReplicas(6, 1, 1, 10), 4, "a scale up at most reaches max(2*current, 4)");
  assert.equal(limitReplicas(20, 8, 1, 10), 10);
  assert.equal(limitReplicas(0, 3, 1, 10), 1);
});

test("a scale down waits for the stabilisation window", () => {
  const history: Recommendation[] = [];
  assert.equal(stabilize(history, 0, 3, 3, 10_000), 3);
  assert.equal(stabilize(history, 5_000, 1, 3, 10_000), 3, "3 was recommended within the window");
  assert.equal(stabilize(history, 10_001, 1, 3, 10_000), 1, "the 3 has left the window");
  assert.equal(stabilize(history, 11_000, 5, 1, 10_000), 5, "a scale up is immediate");
});

test("CPU quantities in millicores", () => {
  assert.equal(millicores("250m"), 250);
  assert.equal(millicores("1"), 1000);
  assert.equal(millicores("0.5"), 500);
  assert.equal(millicores("1500000n"), 1.5);
});
