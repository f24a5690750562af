import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { newPodInfo } from "../../framework/pod-info.ts";
import { CycleState } from "../../framework/types.ts";
import { cacheWith, makeNode, makePod } from "../../test-objects.ts";
import { BalancedAllocation } from "./balanced-allocation.ts";

describe("NodeResourcesBalancedAllocation", () => {
  it("prefers nodes where cpu and memory are used in equal shares", () => {
    const cache = cacheWith(
      [makeNode("even", { cpu: "4", memory: "4Gi" }), makeNode("skewed", { cpu: "4", memory: "4Gi" })],
      [makePod("m", { cpu: "1", memory: "1Gi", nodeName: "even" }), makePod("c", { cpu: "3", memory: "100Mi", nodeName: "skewed" })],
    );
    const plugin = new BalancedAllocation();
    const pod = newPodInfo(makePod("p", { cpu: "1", memory: "1Gi" }));
    assert.equal(plugin.score(new CycleState(), pod, cache.nodeInfo("even")!), 100);
    // skewed: cpu 4/4 = 1, memory (1124Mi)/4096Mi ≈ 0.274 → 100 × (1 − 0.363) = 63
    assert.equal(plugin.score(new CycleState(), pod, cache.nodeInfo("skewed")!), 63);
  });
});
