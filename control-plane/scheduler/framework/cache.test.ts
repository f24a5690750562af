import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cacheWith, makeNode, makePod } from "../test-objects.ts";
import { newPodInfo } from "./pod-info.ts";

describe("SchedulerCache", () => {
  it("counts bound and assumed pods against their node, and forgets a failed assumption", () => {
    const cache = cacheWith([makeNode("n1")], [makePod("bound", { cpu: "1", nodeName: "n1" })]);
    const n1 = cache.nodeInfo("n1")!;
    assert.equal(n1.requested.milliCpu, 1000);
    cache.assumePod(newPodInfo(makePod("assumed", { cpu: "500m" })), "n1");
    assert.equal(n1.requested.milliCpu, 1500);
    assert.equal(cache.isAssumed("default/assumed"), true);
    cache.forgetPod("default/assumed");
    assert.equal(n1.requested.milliCpu, 1000);
    assert.equal(n1.pods.size, 1);
  });

  it("confirms an assumed pod when the informer reports it bound", () => {
    const cache = cacheWith([makeNode("n1")]);
    cache.assumePod(newPodInfo(makePod("p", { cpu: "500m" })), "n1");
    cache.addPod(makePod("p", { cpu: "500m", nodeName: "n1" }));
    assert.equal(cache.isAssumed("default/p"), false);
    cache.forgetPod("default/p");
    assert.equal(cache.nodeInfo("n1")!.requested.milliCpu, 500, "a confirmed pod is not forgotten");
    cache.removePod(makePod("p"));
    assert.equal(cache.nodeInfo("n1")!.requested.milliCpu, 0);
  });

  it("keeps pods that arrive before their node, and lists only real nodes", () => {
    const cache = cacheWith([], [makePod("early", { cpu: "1", nodeName: "late" })]);
    assert.equal(cache.nodeInfos().length, 0);
    assert.equal(cache.nodeInfo("late"), undefined);
    cache.addNode(makeNode("late"));
    assert.equal(cache.nodeInfos().length, 1);
    assert.equal(cache.nodeInfo("late")!.requested.milliCpu, 1000);
    cache.removeNode("late");
    assert.equal(cache.nodeInfos().length, 0);
  });

  it("finds pods by label selector through its index, by namespace", () => {
    const cache = cacheWith(
      [makeNode("n1")],
      [
        makePod("a", { labels: { app: "web", tier: "front" }, nodeName: "n1" }),
        makePod("b", { labels: { app: "web", tier: "back" }, nodeName: "n1" }),
        makePod("c", { labels: { app: "web" }, namespace: "other", nodeName: "n1" }),
      ],
    );
    const names = (ns: Set<string> | undefined, sel: object) => [...cache.podsMatching(ns, sel)].map((p) => p.key).sort();
    assert.deepEqual(names(new Set(["default"]), { matchLabels: { app: "web" } }), ["default/a", "default/b"]);
    assert.deepEqual(names(undefined, { matchLabels: { app: "web" } }), ["default/a", "default/b", "other/c"]);
    assert.deepEqual(names(new Set(["default"]), { matchExpressions: [{ key: "tier", operator: "In", values: ["back"] }] }), ["default/b"]);
    cache.removePod(makePod("b"));
    assert.deepEqual(names(new Set(["default"]), { matchLabels: { app: "web" } }), ["default/a"]);
  });

  it("tracks images across nodes and replicas per owner per node", () => {
    const image = { names: ["demo-app:latest"], sizeBytes: 100 };
    const cache = cacheWith(
      [makeNode("n1", { images: [image] }), makeNode("n2", { images: [image] }), makeNode("n3")],
      [makePod("r1", { owner: "web", nodeName: "n1" }), makePod("r2", { owner: "web", nodeName: "n1" })],
    );
    assert.equal(cache.nodesWithImage("demo-app:latest"), 2);
    cache.updateNode(makeNode("n2"));
    assert.equal(cache.nodesWithImage("demo-app:latest"), 1);
    assert.equal(cache.ownerPodsOnNode("rs-web", "n1"), 2);
    assert.equal(cache.ownerPodsOnNode("rs-web", "n2"), 0);
  });
});
