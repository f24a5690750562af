import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { newPodInfo } from "../../framework/pod-info.ts";
import { Code, unresolvable } from "../../framework/status.ts";
import { CycleState } from "../../framework/types.ts";
import { cacheWith, makeNode, makePod } from "../../test-objects.ts";
import { NodeName } from "./node-name.ts";

describe("NodeName", () => {
  it("admits a pod naming a node only on that node", () => {
    const cache = cacheWith([makeNode("a"), makeNode("b")]);
    const plugin = new NodeName();
    const state = new CycleState();
    const named = newPodInfo(makePod("p", { nodeName: "a" }));
    assert.equal(plugin.filter(state, named, cache.nodeInfo("a")!).code, Code.Success);
    assert.deepEqual(plugin.filter(state, named, cache.nodeInfo("b")!), unresolvable("node(s) didn't match the requested node name"));
    assert.equal(plugin.filter(state, newPodInfo(makePod("q")), cache.nodeInfo("b")!).code, Code.Success);
  });
});
