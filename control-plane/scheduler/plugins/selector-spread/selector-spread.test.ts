import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { newPodInfo } from "../../framework/pod-info.ts";
import { CycleState } from "../../framework/types.ts";
import { cacheWith, makeNode, makePod } from "../../test-objects.ts";
import { SelectorSpread } from "./selector-spread.ts";

function scores(plugin: SelectorSpread, pod: ReturnType<typeof newPodInfo>, nodes: ReturnType<ReturnType<typeof cacheWith>["nodeInfos"]>) {
  const state = new CycleState();
  plugin.preScore(state, pod, nodes);
  const s = Float64Array.from(nodes.map((n) => plugin.score(state, pod, n)));
  plugin.normalizeScores(state, pod, s, nodes);
  return [...s];
}

describe("SelectorSpread", () => {
  it("prefers nodes with fewer replicas of the same owner", () => {
    const cache = cacheWith(
      [makeNode("a"), makeNode("b"), makeNode("c")],
      [
        makePod("w1", { owner: "web", nodeName: "a" }),
        makePod("w2", { owner: "web", nodeName: "a" }),
        makePod("w3", { owner: "web", nodeName: "b" }),
        makePod("x1", { owner: "other", nodeName: "c" }),
      ],
    );
    const plugin = new SelectorSpread(cache);
    assert.deepEqual(scores(plugin, newPodInfo(makePod("w4", { owner: "web" })), cache.nodeInfos()), [0, 50, 100]);
    assert.deepEqual(scores(plugin, newPodInfo(makePod("lone")), cache.nodeInfos()), [100, 100, 100], "a pod without owner is indifferent");
  });

  it("weighs zones two thirds when nodes have them", () => {
    const zone = (z: string) => ({ labels: { "topology.kubernetes.io/zone": z } });
    const cache = cacheWith(
      [makeNode("a1", zone("a")), makeNode("a2", zone("a")), makeNode("b1", zone("b"))],
      [makePod("w1", { owner: "web", nodeName: "a1" })],
    );
    const plugin = new SelectorSpread(cache);
    // node part: a1 0, a2 100, b1 100; zone part: a 0, b 100 → a2 = 100/3, b1 = 100
    assert.deepEqual(scores(plugin, newPodInfo(makePod("w2", { owner: "web" })), cache.nodeInfos()), [0, 33, 100]);
  });
});
