import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { newPodInfo } from "../../framework/pod-info.ts";
import { CycleState } from "../../framework/types.ts";
import { cacheWith, makeNode, makePod } from "../../test-objects.ts";
import { LeastAllocated } from "./least-allocated.ts";

describe("NodeResourcesLeastAllocated", () => {
  it("scores the share of cpu and memory left after the pod, averaged", () => {
    const cache = cacheWith(
      [makeNode("empty", { cpu: "4", memory: "4Gi" }), makeNode("busy", { cpu: "4", memory: "4Gi" })],
      [makePod("old", { cpu: "2", memory: "3Gi", nodeName: "busy" })],
    );
    const plugin = new LeastAllocated();
    const pod = newPodInfo(makePod("p", { cpu: "1", memory: "1Gi" }));
    // empty: cpu (4-1)/4 → 75, memory (4-1)/4 → 75. busy: cpu (4-3)/4 → 25, memory 0.
    assert.equal(plugin.score(new CycleState(), pod, cache.nodeInfo("empty")!), 75);
    assert.equal(plugin.score(new CycleState(), pod, cache.nodeInfo("busy")!), 12);
  });

  it("counts a pod without requests at 100m and 200Mi", () => {
    const cache = cacheWith([makeNode("n", { cpu: "1", memory: "1000Mi" })]);
    // cpu (1000-100)/1000 → 90; memory (1000-200)/1000 → 80
    assert.equal(new LeastAllocated().score(new CycleState(), newPodInfo(makePod("p")), cache.nodeInfo("n")!), 85);
  });
});
