import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { newPodInfo } from "../../framework/pod-info.ts";
import { CycleState } from "../../framework/types.ts";
import { cacheWith, makeNode, makePod } from "../../test-objects.ts";
import { ImageLocality } from "./image-locality.ts";

const mb = 1024 * 1024;

describe("ImageLocality", () => {
  it("prefers nodes holding the pod's image, less so when the image is on many nodes", () => {
    const big = { names: ["big:1"], sizeBytes: 500 * mb };
    const tiny = { names: ["tiny:latest"], sizeBytes: 10 * mb };
    const cache = cacheWith([makeNode("a", { images: [big, tiny] }), makeNode("b", { images: [big] }), makeNode("c"), makeNode("d")]);
    const plugin = new ImageLocality(cache);
    const state = new CycleState();
    const pod = newPodInfo(makePod("p", { image: "big:1" }));
    // 500 MB × 2/4 nodes = 250 MB; (250 − 23) / (1000 − 23) × 100 → 23
    assert.equal(plugin.score(state, pod, cache.nodeInfo("a")!), 23);
    assert.equal(plugin.score(state, pod, cache.nodeInfo("c")!), 0);
    assert.equal(plugin.score(state, newPodInfo(makePod("t", { image: "tiny" })), cache.nodeInfo("a")!), 0, "below 23 MB counts for nothing");
    cache.updateNode(makeNode("b"));
    // now only a holds it: 500 × 1/4 = 125 MB → (125 − 23) / 977 × 100 → 10
    assert.equal(plugin.score(state, pod, cache.nodeInfo("a")!), 10);
  });
});
