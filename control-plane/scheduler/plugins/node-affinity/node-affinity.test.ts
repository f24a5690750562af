import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { newPodInfo } from "../../framework/pod-info.ts";
import { Code, unresolvable } from "../../framework/status.ts";
import { CycleState } from "../../framework/types.ts";
import { cacheWith, makeNode, makePod } from "../../test-objects.ts";
import { NodeAffinity } from "./node-affinity.ts";

const plugin = new NodeAffinity();
const state = new CycleState();
const cache = cacheWith([
  makeNode("ssd-a", { labels: { disk: "ssd", zone: "a", cores: "16" } }),
  makeNode("hdd-b", { labels: { disk: "hdd", zone: "b", cores: "4" } }),
  makeNode("bare"),
]);
const node = (n: string) => cache.nodeInfo(n)!;
const fits = (pod: ReturnType<typeof makePod>) => ["ssd-a", "hdd-b", "bare"].filter((n) => plugin.filter(state, newPodInfo(pod), node(n)).code === Code.Success);

describe("NodeAffinity", () => {
  it("applies spec.nodeSelector", () => {
    assert.deepEqual(fits(makePod("p", { nodeSelector: { disk: "ssd" } })), ["ssd-a"]);
    assert.deepEqual(fits(makePod("p", { nodeSelector: { disk: "ssd", zone: "b" } })), []);
    assert.deepEqual(plugin.filter(state, newPodInfo(makePod("p", { nodeSelector: { disk: "nvme" } })), node("bare")), unresolvable("node(s) didn't match Pod's node affinity/selector"));
  });

  it("applies required node affinity: terms ORed, expressions ANDed, Gt and matchFields", () => {
    const pod = makePod("p", {
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: "cores", operator: "Gt", values: ["8"] }, { key: "zone", operator: "In", values: ["a"] }] },
              { matchFields: [{ key: "metadata.name", operator: "In", values: ["bare"] }] },
            ],
          },
        },
      },
    });
    assert.deepEqual(fits(pod), ["ssd-a", "bare"]);
    const notHdd = makePod("q", {
      nodeSelector: { zone: "b" },
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "disk", operator: "NotIn", values: ["hdd"] }] }] } } },
    });
    assert.deepEqual(fits(notHdd), [], "nodeSelector and affinity must both hold");
    const noDisk = makePod("r", { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "disk", operator: "DoesNotExist" }] }] } } } });
    assert.deepEqual(fits(noDisk), ["bare"]);
  });

  it("scores by the weights of matching preferred terms, normalized to 100", () => {
    const pod = newPodInfo(
      makePod("p", {
        affinity: {
          nodeAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              { weight: 80, preference: { matchExpressions: [{ key: "disk", operator: "In", values: ["ssd"] }] } },
              { weight: 20, preference: { matchExpressions: [{ key: "zone", operator: "Exists" }] } },
            ],
          },
        },
      }),
    );
    const nodes = ["ssd-a", "hdd-b", "bare"].map(node);
    const scores = Float64Array.from(nodes.map((n) => plugin.score(state, pod, n)));
    assert.deepEqual([...scores], [100, 20, 0]);
    plugin.normalizeScores(state, pod, scores);
    assert.deepEqual([...scores], [100, 20, 0]);
    const half = Float64Array.from([40, 20, 0]);
    plugin.normalizeScores(state, pod, half);
    assert.deepEqual([...half], [100, 50, 0]);
  });
});
