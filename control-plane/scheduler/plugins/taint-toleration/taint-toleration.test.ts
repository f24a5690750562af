import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { newPodInfo } from "../../framework/pod-info.ts";
import { Code } from "../../framework/status.ts";
import { CycleState } from "../../framework/types.ts";
import { cacheWith, makeNode, makePod } from "../../test-objects.ts";
import { TaintToleration } from "./taint-toleration.ts";
import { toleratesTaint } from "./tolerations.ts";

const plugin = new TaintToleration();
const state = new CycleState();

describe("TaintToleration", () => {
  it("matches tolerations to taints by key, operator, value and effect", () => {
    const taint = { key: "dedicated", value: "gpu", effect: "NoSchedule" };
    assert.equal(toleratesTaint({ key: "dedicated", operator: "Equal", value: "gpu", effect: "NoSchedule" }, taint), true);
    assert.equal(toleratesTaint({ key: "dedicated", value: "gpu" }, taint), true, "no effect tolerates every effect; Equal is the default");
    assert.equal(toleratesTaint({ key: "dedicated", value: "cpu" }, taint), false);
    assert.equal(toleratesTaint({ key: "dedicated", operator: "Exists" }, taint), true);
    assert.equal(toleratesTaint({ operator: "Exists" }, taint), true, "an empty key with Exists tolerates everything");
    assert.equal(toleratesTaint({ key: "dedicated", operator: "Exists", effect: "NoExecute" }, taint), false);
  });

  it("keeps pods off NoSchedule and NoExecute taints they do not tolerate, with kube's reason", () => {
    const cache = cacheWith([
      makeNode("gpu", { taints: [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }] }),
      makeNode("dying", { taints: [{ key: "node.kubernetes.io/unreachable", effect: "NoExecute" }] }),
      makeNode("soft", { taints: [{ key: "spot", value: "true", effect: "PreferNoSchedule" }] }),
    ]);
    const pod = newPodInfo(makePod("p"));
    const gpu = plugin.filter(state, pod, cache.nodeInfo("gpu")!);
    assert.equal(gpu.code, Code.UnschedulableAndUnresolvable);
    assert.deepEqual(gpu.reasons, ["node(s) had taint {dedicated: gpu}, that the pod didn't tolerate"]);
    assert.deepEqual(plugin.filter(state, pod, cache.nodeInfo("dying")!).reasons, ["node(s) had taint {node.kubernetes.io/unreachable: }, that the pod didn't tolerate"]);
    assert.equal(plugin.filter(state, pod, cache.nodeInfo("soft")!).code, Code.Success);
    const tolerant = newPodInfo(makePod("t", { tolerations: [{ key: "dedicated", operator: "Exists", effect: "NoSchedule" }] }));
    assert.equal(plugin.filter(state, tolerant, cache.nodeInfo("gpu")!).code, Code.Success);
  });

  it("scores nodes lower for each PreferNoSchedule taint not tolerated", () => {
    const cache = cacheWith([
      makeNode("clean"),
      makeNode("one", { taints: [{ key: "a", effect: "PreferNoSchedule" }] }),
      makeNode("two", { taints: [{ key: "a", effect: "PreferNoSchedule" }, { key: "b", effect: "PreferNoSchedule" }] }),
    ]);
    const nodes = ["clean", "one", "two"].map((n) => cache.nodeInfo(n)!);
    const score = (pod: ReturnType<typeof newPodInfo>) => {
      const s = Float64Array.from(nodes.map((n) => plugin.score(state, pod, n)));
      plugin.normalizeScores(state, pod, s);
      return [...s];
    };
    assert.deepEqual(score(newPodInfo(makePod("p"))), [100, 50, 0]);
    assert.deepEqual(score(newPodInfo(makePod("q", { tolerations: [{ key: "a", operator: "Exists", effect: "PreferNoSchedule" }] }))), [100, 100, 0]);
  });
});
