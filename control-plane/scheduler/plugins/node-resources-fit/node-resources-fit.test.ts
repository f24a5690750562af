import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { newPodInfo } from "../../framework/pod-info.ts";
import { Code, unresolvable, unschedulable } from "../../framework/status.ts";
import { CycleState } from "../../framework/types.ts";
import type { Pod } from "../../kube-types.ts";
import { cacheWith, makeNode, makePod } from "../../test-objects.ts";
import { NodeResourcesFit } from "./node-resources-fit.ts";

const plugin = new NodeResourcesFit();
const state = new CycleState();

describe("NodeResourcesFit", () => {
  it("compares requests with allocatable minus what bound pods request", () => {
    const cache = cacheWith([makeNode("n", { cpu: "2", memory: "4Gi" })], [makePod("old", { cpu: "1500m", memory: "1Gi", nodeName: "n" })]);
    const n = cache.nodeInfo("n")!;
    assert.equal(plugin.filter(state, newPodInfo(makePod("fits", { cpu: "500m", memory: "3Gi" })), n).code, Code.Success);
    assert.deepEqual(plugin.filter(state, newPodInfo(makePod("big", { cpu: "501m", memory: "3073Mi" })), n), unschedulable("Insufficient cpu", "Insufficient memory"));
  });

  it("counts assumed pods as taken", () => {
    const cache = cacheWith([makeNode("n", { cpu: "1" })]);
    cache.assumePod(newPodInfo(makePod("assumed", { cpu: "600m" })), "n");
    assert.deepEqual(plugin.filter(state, newPodInfo(makePod("p", { cpu: "500m" })), cache.nodeInfo("n")!).reasons, ["Insufficient cpu"]);
  });

  it("limits the number of pods", () => {
    const cache = cacheWith([makeNode("n", { pods: "2" })], [makePod("a", { nodeName: "n" }), makePod("b", { nodeName: "n" })]);
    assert.deepEqual(plugin.filter(state, newPodInfo(makePod("c")), cache.nodeInfo("n")!), unschedulable("Too many pods"));
  });

  it("uses the effective request of init containers", () => {
    const cache = cacheWith([makeNode("n", { cpu: "2" })]);
    const pod: Pod = {
      metadata: { name: "init", namespace: "default" },
      spec: {
        initContainers: [{ name: "migrate", resources: { requests: { cpu: "3" } } }],
        containers: [{ name: "app", resources: { requests: { cpu: "1" } } }],
      },
    };
    assert.equal(plugin.filter(state, newPodInfo(pod), cache.nodeInfo("n")!).code, Code.UnschedulableAndUnresolvable, "3 cpu can never fit in 2");
  });

  it("checks extended resources, and a request beyond the whole node cannot be resolved", () => {
    const node = makeNode("n");
    node.status!.allocatable!["nvidia.com/gpu"] = "1";
    const cache = cacheWith([node, makeNode("plain")]);
    const pod: Pod = { metadata: { name: "g", namespace: "default" }, spec: { containers: [{ name: "c", resources: { limits: { "nvidia.com/gpu": "1" } } }] } };
    assert.equal(plugin.filter(state, newPodInfo(pod), cache.nodeInfo("n")!).code, Code.Success);
    assert.deepEqual(plugin.filter(state, newPodInfo(pod), cache.nodeInfo("plain")!), unresolvable("Insufficient nvidia.com/gpu"));
  });
});
