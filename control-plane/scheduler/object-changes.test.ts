import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { nodeChangeMatters, podChangeMatters } from "./object-changes.ts";
import { makeNode, makePod } from "./test-objects.ts";

describe("updates that matter to scheduling", () => {
  it("a node's heartbeat does not; its labels, taints, cordon and allocatable do", () => {
    const node = makeNode("n");
    const heartbeat = { ...node, status: { ...node.status, conditions: [{ type: "Ready", status: "True", lastHeartbeatTime: new Date() }] } };
    assert.equal(nodeChangeMatters(node, heartbeat), false);
    assert.equal(nodeChangeMatters(node, makeNode("n", { labels: { disk: "ssd" } })), true);
    assert.equal(nodeChangeMatters(node, makeNode("n", { taints: [{ key: "k", effect: "NoSchedule" }] })), true);
    assert.equal(nodeChangeMatters(node, makeNode("n", { unschedulable: true })), true);
    assert.equal(nodeChangeMatters(node, makeNode("n", { cpu: "8" })), true);
  });

  it("a pod's status does not; its spec and labels do", () => {
    const pod = makePod("p", { nodeName: "n" });
    assert.equal(podChangeMatters(pod, { ...pod, status: { phase: "Running" } }), false);
    assert.equal(podChangeMatters(pod, makePod("p", { nodeName: "n", labels: { app: "web" } })), true);
    assert.equal(podChangeMatters(pod, makePod("p", { nodeName: "n", cpu: "1" })), true);
  });
});
