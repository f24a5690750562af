import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { newPodInfo } from "../../framework/pod-info.ts";
import { Code, unresolvable } from "../../framework/status.ts";
import { CycleState } from "../../framework/types.ts";
import { cacheWith, makeNode, makePod } from "../../test-objects.ts";
import { NodeUnschedulable } from "./node-unschedulable.ts";

describe("NodeUnschedulable", () => {
  it("keeps pods off cordoned nodes unless they tolerate the unschedulable taint", () => {
    const cache = cacheWith([makeNode("cordoned", { unschedulable: true }), makeNode("open")]);
    const plugin = new NodeUnschedulable();
    const state = new CycleState();
    const pod = newPodInfo(makePod("p"));
    assert.deepEqual(plugin.filter(state, pod, cache.nodeInfo("cordoned")!), unresolvable("node(s) were unschedulable"));
    assert.equal(plugin.filter(state, pod, cache.nodeInfo("open")!).code, Code.Success);
    const tolerant = newPodInfo(makePod("ds", { tolerations: [{ key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" }] }));
    assert.equal(plugin.filter(state, tolerant, cache.nodeInfo("cordoned")!).code, Code.Success);
  });
});
