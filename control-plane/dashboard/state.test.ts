import assert from "node:assert/strict";
import { test } from "node:test";
import { type Diff, DashboardState } from "./state.ts";
import type { EventView, NodeView, PodView } from "./views.ts";

const node = (name: string, ready: string): NodeView => ({ name, ready, unschedulable: false, ip: "" });
const pod = (name: string, over: Partial<PodView> = {}): PodView => ({
  key: `default/${name}`,
  namespace: "default",
  name,
  node: "",
  phase: "Pending",
  ready: false,
  deleting: false,
  ip: "",
  ...over,
});
const event = (name: string, time: string): EventView => ({ key: `default/${name}`, time, type: "Normal", reason: "R", object: "Pod/p", message: "" });


const kinds = (diffs: Diff[]): string[] => diffs.flatMap((d) => (d.op === "timeline" ? [`${d.entry.kind} ${d.entry.subject}`] : []));

test("a put is a diff only when the view changed; a delete of the unknown is none", () => {
  const s = new DashboardState();
  assert.deepEqual(s.put("nodes", "n1", node("n1", "True")), [{ op: "put", collection: "nodes", key: "n1", value: node("n1", "True") }]);
  assert.deepEqual(s.put("nodes", "n1", node("n1", "True")), []);
  assert.equal(s.put("nodes", "n1", node("n1", "False")).filter((d) => d.op === "put").length, 1);
  assert.deepEqual(s.delete("services", "default/nope"), []);
  assert.deepEqual(s.delete("nodes", "n1"), [{ op: "delete", collection: "nodes", key: "n1" }]);
  assert.deepEqual(s.snapshot().nodes, []);
});

test("the snapshot holds every collection, and replace deletes what a fresh list lacks", () => {
  const s = new DashboardState();
  s.put("members", "s1", { name: "s1", endpoint: "a:2379", up: true, memberId: "1", leaderId: "1", term: 2, index: 9 });
  s.put("members", "s2", { name: "s2", endpoint: "b:2379", up: true, memberId: "2", leaderId: "1", term: 2, index: 9 });
  const s2down = { name: "s2", endpoint: "b:2379", up: false, memberId: "", leaderId: "", term: 0, index: 0 };
  const diffs = s.replace("members", new Map([["s2", s2down]]));
  assert.deepEqual(diffs, [
    { op: "delete", collection: "members", key: "s1" },
    { op: "put", collection: "members", key: "s2", value: s2down },
  ]);
  assert.deepEqual(Object.keys(s.snapshot()).sort(), ["endpoints", "events", "machines", "members", "nodes", "pods", "services", "timeline"]);
});

test("the event feed keeps the newest events and tells the browser which fell off", () => {
  const s = new DashboardState(Date.now, 2);
  s.put("events", "default/a", event("a", "2026-01-01T00:00:01Z"));
  s.put("events", "default/b", event("b", "2026-01-01T00:00:03Z"));
  const diffs = s.put("events", "default/c", event("c", "2026-01-01T00:00:02Z"));
  assert.deepEqual(diffs.at(-1), { op: "delete", collection: "events", key: "default/a" });
  assert.deepEqual(s.snapshot().events.map((e) => e.key).sort(), ["default/b", "default/c"]);
});

test("the timeline of a node kill: killed, NotReady, pods evicted, scheduled elsewhere, Ready", () => {
  let now = 0;
  const s = new DashboardState(() => now);
  const at = (ms: number): void => {
    now = ms;
  };
  s.put("nodes", "n1", node("n1", "True"));
  s.put("nodes", "n2", node("n2", "True"));
  s.put("pods", "default/web-1", pod("web-1", { node: "n1", phase: "Running", ready: true }));
  assert.deepEqual(kinds(s.mark("Killed", "n1")), ["Killed n1"]);
  at(1000);
  assert.deepEqual(kinds(s.put("nodes", "n1", node("n1", "Unknown"))), ["NodeNotReady n1"]);
  at(2000);
  assert.deepEqual(kinds(s.put("pods", "default/web-1", pod("web-1", { node: "n1", phase: "Running", ready: false, deleting: true }))), ["PodEvicted default/web-1"]);
  // The final delete of a pod already marked for deletion is not a second eviction.
  assert.deepEqual(kinds(s.delete("pods", "default/web-1")), []);
  at(3000);
  assert.deepEqual(kinds(s.put("pods", "default/web-2", pod("web-2"))), ["PodCreated default/web-2"]);
  at(3500);
  assert.deepEqual(kinds(s.put("pods", "default/web-2", pod("web-2", { node: "n2" }))), ["PodScheduled default/web-2"]);
  assert.deepEqual(kinds(s.put("pods", "default/web-2", pod("web-2", { node: "n2", phase: "Running" }))), []);
  at(4000);
  assert.deepEqual(kinds(s.put("pods", "default/web-2", pod("web-2", { node: "n2", phase: "Running", ready: true }))), ["PodReady default/web-2"]);
  at(5000);
  assert.deepEqual(kinds(s.put("nodes", "n1", node("n1", "True"))), ["NodeReady n1"]);
  const all = s.snapshot().timeline;
  // Before the kill: web-1 created, scheduled and Ready at time 0.
  assert.deepEqual(all.slice(0, 3).map((e) => e.kind), ["PodCreated", "PodScheduled", "PodReady"]);
  const timeline = all.slice(3);
  assert.deepEqual(
    timeline.map((e) => [e.kind, e.at]),
    [
      ["Killed", 0],
      ["NodeNotReady", 1000],
      ["PodEvicted", 2000],
      ["PodCreated", 3000],
      ["PodScheduled", 3500],
      ["PodReady", 4000],
      ["NodeReady", 5000],
    ],
  );
  assert.equal(timeline.find((e) => e.kind === "PodEvicted")?.node, "n1");
});

test("a pod deleted from a Ready node is a deletion, not an eviction; a node that registers NotReady is no transition", () => {
  const s = new DashboardState();
  assert.deepEqual(kinds(s.put("nodes", "n1", node("n1", "False"))), []);
  assert.deepEqual(kinds(s.put("nodes", "n1", node("n1", "True"))), ["NodeReady n1"]);
  s.put("pods", "default/p", pod("p", { node: "n1", phase: "Running" }));
  assert.deepEqual(kinds(s.delete("pods", "default/p")), ["PodDeleted default/p"]);
  // A pod created already bound (a static or directly bound pod) is created and scheduled at once.
  assert.deepEqual(kinds(s.put("pods", "default/q", pod("q", { node: "n1" }))), ["PodCreated default/q", "PodScheduled default/q"]);
});

test("the timeline keeps only its newest entries", () => {
  const s = new DashboardState(Date.now, 100, 3);
  for (let i = 0; i < 5; i++) s.mark("Killed", `n${i}`);
  assert.deepEqual(
    s.snapshot().timeline.map((e) => e.subject),
    ["n2", "n3", "n4"],
  );
});
