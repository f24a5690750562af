import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { seededRandom } from "../clock.ts";
import { defaultProfile } from "../default-profile.ts";
import { makeNode, makePod, cacheWith } from "../test-objects.ts";
import { FitError } from "./fit-error.ts";
import { Framework } from "./framework.ts";
import type { NodeInfo } from "./node-info.ts";
import { newPodInfo, type PodInfo } from "./pod-info.ts";
import { ScheduleAlgorithm, numFeasibleNodesToFind } from "./schedule-cycle.ts";
import { success, unschedulable } from "./status.ts";
import type { CycleState, FilterPlugin, ScorePlugin } from "./types.ts";

describe("numFeasibleNodesToFind", () => {
  it("follows kube's adaptive percentage with a floor of 100 nodes", () => {
    assert.equal(numFeasibleNodesToFind(50, 0), 50);
    assert.equal(numFeasibleNodesToFind(1000, 0), 420, "50% − 8% of 1000");
    assert.equal(numFeasibleNodesToFind(5000, 0), 500, "10% of 5000");
    assert.equal(numFeasibleNodesToFind(100_000, 0), 5000, "never below 5%");
    assert.equal(numFeasibleNodesToFind(5000, 100), 5000);
    assert.equal(numFeasibleNodesToFind(300, 10), 100);
  });
});

class ByName implements FilterPlugin, ScorePlugin {
  readonly name = "ByName";
  constructor(private readonly allowed: (n: string) => boolean, private readonly scores: Record<string, number> = {}) {}
  filter(_s: CycleState, _p: PodInfo, node: NodeInfo) {
    return this.allowed(node.name) ? success : unschedulable(`node(s) named ${node.name}`);
  }
  score(_s: CycleState, _p: PodInfo, node: NodeInfo) {
    return this.scores[node.name] ?? 0;
  }
}

describe("ScheduleAlgorithm", () => {
  const nodes = ["n0", "n1", "n2", "n3"].map((n) => makeNode(n));

  it("picks the highest weighted score", () => {
    const cache = cacheWith(nodes);
    const fw = new Framework([{ plugin: new ByName((n) => n !== "n3", { n0: 10, n1: 90, n2: 50, n3: 100 }), weight: 2 }]);
    const algo = new ScheduleAlgorithm(fw, cache, { percentageOfNodesToScore: 100, random: seededRandom(1) });
    const r = algo.schedule(newPodInfo(makePod("p")));
    assert.ok(!(r instanceof FitError));
    assert.equal(r.nodeName, "n1");
    assert.equal(r.feasibleNodes, 3);
  });

  it("breaks ties at random with the injected source, covering every tied node", () => {
    const cache = cacheWith(nodes);
    const fw = new Framework([{ plugin: new ByName(() => true) }]);
    const algo = new ScheduleAlgorithm(fw, cache, { percentageOfNodesToScore: 100, random: seededRandom(42) });
    const seen = new Map<string, number>();
    for (let i = 0; i < 400; i++) {
      const r = algo.schedule(newPodInfo(makePod(`p${i}`)));
      assert.ok(!(r instanceof FitError));
      seen.set(r.nodeName, (seen.get(r.nodeName) ?? 0) + 1);
    }
    assert.equal(seen.size, 4);
    for (const n of seen.values()) assert.ok(n > 60, `fairly even: ${[...seen.values()]}`);
    const again = new ScheduleAlgorithm(fw, cache, { percentageOfNodesToScore: 100, random: seededRandom(42) });
    const first = again.schedule(newPodInfo(makePod("p0")));
    const replay = new ScheduleAlgorithm(fw, cache, { percentageOfNodesToScore: 100, random: seededRandom(42) }).schedule(newPodInfo(makePod("p0")));
    assert.deepEqual(!(first instanceof FitError) && first.nodeName, !(replay instanceof FitError) && replay.nodeName, "same seed, same choice");
  });

  it("stops filtering once enough nodes are feasible, and starts the next cycle where it stopped", () => {
    const many = Array.from({ length: 300 }, (_, i) => makeNode(`n${i}`));
    const cache = cacheWith(many);
    const fw = new Framework([{ plugin: new ByName(() => true) }]);
    const algo = new ScheduleAlgorithm(fw, cache, { percentageOfNodesToScore: 10, random: seededRandom(1) });
    const a = algo.schedule(newPodInfo(makePod("a")));
    const b = algo.schedule(newPodInfo(makePod("b")));
    assert.ok(!(a instanceof FitError) && !(b instanceof FitError));
    assert.equal(a.evaluatedNodes, 100);
    assert.equal(Number(a.nodeName.slice(1)) < 100, true);
    assert.equal(Number(b.nodeName.slice(1)) >= 100 && Number(b.nodeName.slice(1)) < 200, true);
  });

  it("reports why every node rejected the pod", () => {
    const cache = cacheWith(
      [makeNode("small", { cpu: "1" }), makeNode("tainted", { taints: [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }] }), makeNode("small2", { cpu: "1" })],
    );
    const algo = new ScheduleAlgorithm(new Framework(defaultProfile(cache)), cache, { percentageOfNodesToScore: 0, random: seededRandom(1) });
    const r = algo.schedule(newPodInfo(makePod("big", { cpu: "2" })));
    assert.ok(r instanceof FitError);
    assert.equal(r.message, "0/3 nodes are available: 1 node(s) had taint {dedicated: gpu}, that the pod didn't tolerate, 2 Insufficient cpu.");
    assert.deepEqual([...r.rejectingPlugins()].sort(), ["NodeResourcesFit", "TaintToleration"]);
  });

  it("places pods with the default profile so that they spread and fill nodes", () => {
    const cache = cacheWith([makeNode("a", { cpu: "2" }), makeNode("b", { cpu: "2" })]);
    const algo = new ScheduleAlgorithm(new Framework(defaultProfile(cache)), cache, { percentageOfNodesToScore: 0, random: seededRandom(3) });
    const placed: string[] = [];
    for (let i = 0; i < 4; i++) {
      const pi = newPodInfo(makePod(`p${i}`, { cpu: "1", owner: "rs" }));
      const r = algo.schedule(pi);
      assert.ok(!(r instanceof FitError), `pod ${i}`);
      cache.assumePod(pi, r.nodeName);
      placed.push(r.nodeName);
    }
    assert.deepEqual(placed.filter((n) => n === "a").length, 2);
    assert.ok(algo.schedule(newPodInfo(makePod("p5", { cpu: "1" }))) instanceof FitError, "assumed pods fill the nodes");
  });
});
