import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { newPodInfo, type PodInfo } from "../../framework/pod-info.ts";
import type { SchedulerCache } from "../../framework/cache.ts";
import { Code } from "../../framework/status.ts";
import { CycleState } from "../../framework/types.ts";
import type { PodAffinityTerm } from "../../kube-types.ts";
import { cacheWith, makeNode, makePod } from "../../test-objects.ts";
import { InterPodAffinity } from "./inter-pod-affinity.ts";

const zone = (name: string, z: string) => makeNode(name, { labels: { zone: z } });
const host = "kubernetes.io/hostname";
const term = (labels: Record<string, string>, topologyKey: string, extra: Partial<PodAffinityTerm> = {}): PodAffinityTerm => ({
  labelSelector: { matchLabels: labels },
  topologyKey,
  ...extra,
});

function filterAll(cache: SchedulerCache, pod: PodInfo): Record<string, string> {
  const plugin = new InterPodAffinity(cache);
  const state = new CycleState();
  const pre = plugin.preFilter(state, pod);
  const out: Record<string, string> = {};
  if (pre.code === Code.Skip) {
    // Nothing to check for this pod: the framework does not run the filter.
    for (const n of cache.nodeInfos()) out[n.name] = "ok";
    return out;
  }
  assert.equal(pre.code, Code.Success);
  for (const n of cache.nodeInfos()) {
    const s = plugin.filter(state, pod, n);
    out[n.name] = s.code === Code.Success ? "ok" : `${s.code}: ${s.reasons.join(", ")}`;
  }
  return out;
}

describe("InterPodAffinity filter", () => {
  const nodes = [zone("a1", "a"), zone("a2", "a"), zone("b1", "b")];

  it("required anti-affinity by hostname keeps replicas apart", () => {
    const cache = cacheWith(nodes, [makePod("web-1", { labels: { app: "web" }, nodeName: "a1" })]);
    const pod = newPodInfo(makePod("web-2", { labels: { app: "web" }, affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: "web" }, host)] } } }));
    assert.deepEqual(filterAll(cache, pod), { a1: "Unschedulable: node(s) didn't match pod anti-affinity rules", a2: "ok", b1: "ok" });
  });

  it("required anti-affinity by zone excludes the whole zone", () => {
    const cache = cacheWith(nodes, [makePod("db-1", { labels: { app: "db" }, nodeName: "a1" })]);
    const pod = newPodInfo(makePod("db-2", { labels: { app: "db" }, affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: "db" }, "zone")] } } }));
    assert.deepEqual(Object.values(filterAll(cache, pod)).map((s) => s === "ok"), [false, false, true]);
  });

  it("an existing pod's anti-affinity keeps matching pods out of its domain", () => {
    const loner = makePod("loner", {
      nodeName: "a1",
      affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ noisy: "yes" }, "zone")] } },
    });
    const cache = cacheWith(nodes, [loner]);
    const noisy = newPodInfo(makePod("n", { labels: { noisy: "yes" } }));
    assert.deepEqual(filterAll(cache, noisy), {
      a1: "Unschedulable: node(s) didn't satisfy existing pods anti-affinity rules",
      a2: "Unschedulable: node(s) didn't satisfy existing pods anti-affinity rules",
      b1: "ok",
    });
    const quiet = newPodInfo(makePod("quiet", { labels: { noisy: "no" } }));
    assert.equal(new InterPodAffinity(cache).preFilter(new CycleState(), quiet).code, Code.Skip, "no term concerns it");
    assert.deepEqual(Object.values(filterAll(cache, quiet)), ["ok", "ok", "ok"]);
  });

  it("required affinity needs a matching pod in the node's domain", () => {
    const cache = cacheWith(nodes, [makePod("cache-1", { labels: { app: "cache" }, nodeName: "b1" })]);
    const pod = newPodInfo(makePod("web", { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: "cache" }, "zone")] } } }));
    assert.deepEqual(filterAll(cache, pod), {
      a1: "UnschedulableAndUnresolvable: node(s) didn't match pod affinity rules",
      a2: "UnschedulableAndUnresolvable: node(s) didn't match pod affinity rules",
      b1: "ok",
    });
  });

  it("lets the first pod of a self-affine group go anywhere", () => {
    const cache = cacheWith(nodes);
    const first = newPodInfo(makePod("g-1", { labels: { group: "g" }, affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ group: "g" }, "zone")] } } }));
    assert.deepEqual(Object.values(filterAll(cache, first)), ["ok", "ok", "ok"]);
    const stranger = newPodInfo(makePod("s", { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ group: "g" }, "zone")] } } }));
    assert.equal(Object.values(filterAll(cache, stranger)).every((s) => s.includes("affinity rules")), true);
  });

  it("looks only in the term's namespaces", () => {
    const cache = cacheWith(nodes, [makePod("web-1", { labels: { app: "web" }, namespace: "other", nodeName: "a1" })]);
    const anti = (extra: Partial<PodAffinityTerm>) =>
      newPodInfo(makePod("web-2", { labels: { app: "web" }, affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: "web" }, host, extra)] } } }));
    assert.equal(filterAll(cache, anti({})).a1, "ok", "the pod's own namespace by default");
    assert.notEqual(filterAll(cache, anti({ namespaces: ["other"] })).a1, "ok");
    assert.notEqual(filterAll(cache, anti({ namespaceSelector: {} })).a1, "ok", "an empty namespaceSelector means all namespaces");
  });
});

describe("InterPodAffinity score", () => {
  it("adds preferred affinity, subtracts preferred anti-affinity, and honours placed pods' preferences", () => {
    const nodes = [zone("a1", "a"), zone("b1", "b"), zone("c1", "c")];
    const cache = cacheWith(nodes, [
      makePod("cache-1", { labels: { app: "cache" }, nodeName: "a1" }),
      makePod("batch-1", { labels: { app: "batch" }, nodeName: "b1" }),
      makePod("fan", {
        nodeName: "c1",
        affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 5, podAffinityTerm: term({ app: "web" }, "zone") }] } },
      }),
    ]);
    const plugin = new InterPodAffinity(cache);
    const pod = newPodInfo(
      makePod("web", {
        labels: { app: "web" },
        affinity: {
          podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, podAffinityTerm: term({ app: "cache" }, "zone") }] },
          podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, podAffinityTerm: term({ app: "batch" }, "zone") }] },
        },
      }),
    );
    const state = new CycleState();
    plugin.preScore(state, pod);
    const infos = cache.nodeInfos();
    const raw = Float64Array.from(infos.map((n) => plugin.score(state, pod, n)));
    assert.deepEqual([...raw], [10, -10, 5]);
    plugin.normalizeScores(state, pod, raw);
    assert.deepEqual([...raw], [100, 0, 75]);
  });
});
