import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ClusterEvent } from "./cluster.ts";
import { FakeCluster } from "./fake-cluster.ts";
import { makeNode, makePod } from "./test-objects.ts";

describe("FakeCluster", () => {
  it("replays what exists to a new watcher, then streams changes until stopped", () => {
    const cluster = new FakeCluster();
    cluster.addNode(makeNode("a"));
    cluster.createPod(makePod("p"));
    const seen: string[] = [];
    const stop = cluster.watch((e: ClusterEvent) => seen.push(`${e.type} ${"node" in e ? e.node.metadata?.name : e.pod.metadata?.name}`));
    cluster.addNode(makeNode("a"));
    cluster.deletePod("default/p");
    stop();
    cluster.addNode(makeNode("b"));
    assert.deepEqual(seen, ["NodeAdded a", "PodAdded p", "NodeUpdated a", "PodDeleted p"]);
  });

  it("binds by setting spec.nodeName, once, and reports it as an update", async () => {
    const bound: string[] = [];
    const cluster = new FakeCluster({ onBound: (pod, node) => bound.push(`${pod.metadata?.name}@${node}`) });
    cluster.createPod(makePod("p"));
    const updates: ClusterEvent[] = [];
    cluster.watch((e) => updates.push(e));
    await cluster.bind(makePod("p"), "a");
    assert.equal(cluster.nodeOf("default/p"), "a");
    assert.deepEqual(bound, ["p@a"]);
    assert.equal(updates.at(-1)?.type, "PodUpdated");
    await assert.rejects(cluster.bind(makePod("p"), "b"), /already assigned to node "a"/);
    await assert.rejects(cluster.bind(makePod("ghost"), "a"), /not found/);
  });

  it("fails bindings on demand and evicts preemption victims", async () => {
    const cluster = new FakeCluster({ bindFailure: (_pod, node) => (node === "bad" ? "node bad is gone" : undefined) });
    cluster.createPod(makePod("p"));
    cluster.createPod(makePod("victim", { nodeName: "a" }));
    await assert.rejects(cluster.bind(makePod("p"), "bad"), /node bad is gone/);
    await cluster.preempt(makePod("p"), "a", [makePod("victim")]);
    assert.deepEqual(cluster.evicted, ["default/victim"]);
    assert.equal(cluster.nominated.get("default/p"), "a");
    assert.equal(cluster.pods.has("default/victim"), false);
  });
});
