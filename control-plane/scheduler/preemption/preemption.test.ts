import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { defaultProfile } from "../default-profile.ts";
import { Framework } from "../framework/framework.ts";
import type { NodeInfo } from "../framework/node-info.ts";
import { newPodInfo, type PodInfo } from "../framework/pod-info.ts";
import { unresolvable, unschedulable, type Status } from "../framework/status.ts";
import { CycleState } from "../framework/types.ts";
import { cacheWith, makeNode, makePod } from "../test-objects.ts";
import { findPreemption, selectVictimsOnNode } from "./preemption.ts";

function setup(nodes: ReturnType<typeof makeNode>[], pods: ReturnType<typeof makePod>[]) {
  const cache = cacheWith(nodes, pods);
  const fw = new Framework(defaultProfile(cache));
  /** What-if copies of nodes for this pod, as the scheduler makes them. */
  const whatIfFor = (pod: PodInfo) => {
    const state = new CycleState();
    fw.runPreFilter(state, pod);
    return (node: NodeInfo) => fw.whatIf(state, pod, node);
  };
  const statuses = new Map<string, Status>(cache.nodeInfos().map((n) => [n.name, unschedulable("Insufficient cpu")]));
  return { cache, whatIfFor, statuses };
}

const names = (pods: { key: string }[]) => pods.map((p) => p.key).sort();

describe("preemption", () => {
  it("evicts only as much as needed, lowest priority first", () => {
    const { cache, whatIfFor } = setup(
      [makeNode("n", { cpu: "4" })],
      [
        makePod("p1", { cpu: "1", priority: 1, nodeName: "n" }),
        makePod("p5", { cpu: "1", priority: 5, nodeName: "n" }),
        makePod("p3", { cpu: "2", priority: 3, nodeName: "n" }),
      ],
    );
    const high = newPodInfo(makePod("high", { cpu: "2", priority: 10 }));
    const victims = selectVictimsOnNode(high, cache.nodeInfo("n")!, whatIfFor(high));
    // Re-adding p5 (highest) then p3 leaves 1 cpu free: p3 must go; p1 fits back beside it.
    assert.deepEqual(names(victims!), ["default/p3"]);
    assert.equal(cache.nodeInfo("n")!.pods.size, 3, "the real node is untouched");
  });

  it("never evicts pods of equal or higher priority", () => {
    const { cache, whatIfFor } = setup([makeNode("n", { cpu: "1" })], [makePod("same", { cpu: "1", priority: 10, nodeName: "n" })]);
    const p = newPodInfo(makePod("p", { cpu: "1", priority: 10 }));
    assert.equal(selectVictimsOnNode(p, cache.nodeInfo("n")!, whatIfFor(p)), undefined);
  });

  it("picks the node whose victims have the lowest highest priority, then fewest", () => {
    const { cache, whatIfFor, statuses } = setup(
      [makeNode("a", { cpu: "2" }), makeNode("b", { cpu: "2" }), makeNode("c", { cpu: "2" })],
      [
        makePod("a-mid", { cpu: "2", priority: 50, nodeName: "a" }),
        makePod("b-low1", { cpu: "1", priority: 1, nodeName: "b" }),
        makePod("b-low2", { cpu: "1", priority: 1, nodeName: "b" }),
        makePod("c-low", { cpu: "1", priority: 1, nodeName: "c" }),
        makePod("c-high", { cpu: "1", priority: 1000, nodeName: "c" }),
      ],
    );
    const pod = newPodInfo(makePod("urgent", { cpu: "2", priority: 100 }));
    const result = findPreemption({ pod, nodes: cache.nodeInfos(), statuses, whatIf: whatIfFor(pod) });
    assert.ok(result.ok);
    assert.equal(result.nodeName, "b", "a would evict priority 50; c cannot make room");
    assert.deepEqual(names(result.victims), ["default/b-low1", "default/b-low2"]);
    const u1 = newPodInfo(makePod("u1", { cpu: "1", priority: 100 }));
    const one = findPreemption({ pod: u1, nodes: cache.nodeInfos(), statuses, whatIf: whatIfFor(u1) });
    assert.ok(one.ok);
    assert.equal(one.victims.length, 1, "one victim of priority 1 beats two");
  });

  it("skips nodes where eviction cannot help and says why nothing was found", () => {
    const { cache, whatIfFor } = setup([makeNode("tainted", { taints: [{ key: "k", effect: "NoSchedule" }] }), makeNode("full", { cpu: "1" })], [
      makePod("vip", { cpu: "1", priority: 1000, nodeName: "full" }),
    ]);
    const statuses = new Map<string, Status>([
      ["tainted", unresolvable("node(s) had taint {k: }, that the pod didn't tolerate")],
      ["full", unschedulable("Insufficient cpu")],
    ]);
    const p = newPodInfo(makePod("p", { cpu: "1", priority: 10 }));
    const result = findPreemption({ pod: p, nodes: cache.nodeInfos(), statuses, whatIf: whatIfFor(p) });
    assert.deepEqual(result, {
      ok: false,
      message: "preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.",
    });
  });

  it("evicts the pod the preemptor is anti-affine to, and a pod anti-affine to the preemptor", () => {
    const anti = (labels: Record<string, string>) => ({
      podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: labels } }] },
    });
    const { cache, whatIfFor } = setup(
      [makeNode("n", { cpu: "8" })],
      [
        makePod("batch", { labels: { app: "batch" }, priority: 1, nodeName: "n" }),
        makePod("loner", { labels: { app: "other" }, priority: 2, nodeName: "n", affinity: anti({ app: "web" }) }),
        makePod("bystander", { labels: { app: "other" }, priority: 3, nodeName: "n" }),
      ],
    );
    const web = newPodInfo(makePod("web", { labels: { app: "web" }, priority: 100, affinity: anti({ app: "batch" }) }));
    const victims = selectVictimsOnNode(web, cache.nodeInfo("n")!, whatIfFor(web));
    assert.deepEqual(names(victims!), ["default/batch", "default/loner"], "resources were never short: affinity is what evicting fixes");
  });

  it("respects preemptionPolicy Never", () => {
    const { cache, whatIfFor, statuses } = setup([makeNode("n", { cpu: "1" })], [makePod("low", { cpu: "1", priority: 0, nodeName: "n" })]);
    const pod = makePod("polite", { cpu: "1", priority: 100 });
    pod.spec!.preemptionPolicy = "Never";
    const pi = newPodInfo(pod);
    assert.equal(findPreemption({ pod: pi, nodes: cache.nodeInfos(), statuses, whatIf: whatIfFor(pi) }).ok, false);
  });
});
