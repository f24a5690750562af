import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cacheWith, makeNode, makePod } from "../test-objects.ts";
import { Framework } from "./framework.ts";
import type { NodeInfo } from "./node-info.ts";
import { newPodInfo, type PodInfo } from "./pod-info.ts";
import { Code, skip, success, unschedulable, type Status } from "./status.ts";
import { CycleState, type FilterPlugin, type PreFilterPlugin, type ReservePlugin, type ScorePlugin } from "./types.ts";

const pod = newPodInfo(makePod("p"));
const cache = cacheWith([makeNode("a"), makeNode("b"), makeNode("c")]);
const nodes = cache.nodeInfos();

class Fixed implements ScorePlugin {
  constructor(readonly name: string, private readonly raw: Record<string, number>, private readonly normalize?: (s: Float64Array) => void) {}
  score(_s: CycleState, _p: PodInfo, n: NodeInfo) {
    return this.raw[n.name] ?? 0;
  }
  normalizeScores(_s: CycleState, _p: PodInfo, scores: Float64Array) {
    this.normalize?.(scores);
  }
}

describe("Framework", () => {
  it("sums normalized scores times their weights", () => {
    const fw = new Framework([
      { plugin: new Fixed("raw", { a: 100, b: 50, c: 0 }), weight: 1 },
      { plugin: new Fixed("halved", { a: 0, b: 200, c: 100 }, (s) => s.forEach((v, i) => (s[i] = v / 2))), weight: 3 },
    ]);
    assert.deepEqual([...fw.runScores(new CycleState(), pod, nodes)], [100, 350, 150]);
  });

  it("refuses a score outside 0–100 after normalization", () => {
    const fw = new Framework([{ plugin: new Fixed("wild", { a: 101 }) }]);
    assert.throws(() => fw.runScores(new CycleState(), pod, nodes), /outside 0–100/);
  });

  it("stops filtering a node at the first rejection and names the plugin", () => {
    const calls: string[] = [];
    const filter = (name: string, status: Status): FilterPlugin => ({
      name,
      filter: () => {
        calls.push(name);
        return status;
      },
    });
    const fw = new Framework([{ plugin: filter("first", unschedulable("no")) }, { plugin: filter("second", success) }]);
    const state = new CycleState();
    fw.runPreFilter(state, pod);
    const s = fw.runFilters(state, pod, nodes[0]!);
    assert.equal(s.code, Code.Unschedulable);
    assert.equal(s.plugin, "first");
    assert.deepEqual(calls, ["first"]);
  });

  it("does not run the filter of a plugin whose PreFilter skipped", () => {
    let filtered = 0;
    const skipper: PreFilterPlugin & FilterPlugin = {
      name: "skipper",
      preFilter: () => skip,
      filter: () => {
        filtered++;
        return unschedulable("never");
      },
    };
    const fw = new Framework([{ plugin: skipper }]);
    const state = new CycleState();
    assert.equal(fw.runPreFilter(state, pod).code, Code.Success);
    assert.equal(fw.runFilters(state, pod, nodes[0]!).code, Code.Success);
    assert.equal(filtered, 0);
  });

  it("unreserves the plugins already reserved when a later one fails, in reverse order", () => {
    const log: string[] = [];
    const reserver = (name: string, ok: boolean): ReservePlugin => ({
      name,
      reserve: () => {
        log.push(`reserve ${name}`);
        return ok ? success : unschedulable("full");
      },
      unreserve: () => {
        log.push(`unreserve ${name}`);
      },
    });
    const fw = new Framework([{ plugin: reserver("volumes", true) }, { plugin: reserver("ports", false) }]);
    const s = fw.runReserve(new CycleState(), pod, "a");
    assert.equal(s.plugin, "ports");
    assert.deepEqual(log, ["reserve volumes", "reserve ports", "unreserve ports", "unreserve volumes"]);
  });
});
