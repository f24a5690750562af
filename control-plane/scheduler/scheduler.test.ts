import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createLogger } from "../logger.ts";
import { FakeClock, seededRandom } from "./clock.ts";
import { FakeCluster, type FakeClusterOptions } from "./fake-cluster.ts";
import { Scheduler } from "./scheduler.ts";
import { makeNode, makePod } from "./test-objects.ts";

function setup(options: FakeClusterOptions = {}) {
  const cluster = new FakeCluster(options);
  const clock = new FakeClock(0);
  const scheduler = new Scheduler({ source: cluster, binder: cluster, recorder: cluster, clock, random: seededRandom(1) });
  scheduler.connect();
  return { cluster, clock, scheduler };
}

describe("Scheduler", () => {
  it("binds asynchronously: the next pod is scheduled meanwhile and sees the assumed one", async () => {
    const { cluster, scheduler } = setup();
    cluster.addNode(makeNode("a", { cpu: "1" }));
    cluster.addNode(makeNode("b", { cpu: "1" }));
    cluster.createPod(makePod("p1", { cpu: "1" }));
    cluster.createPod(makePod("p2", { cpu: "1" }));
    assert.equal(scheduler.scheduleOne(), true);
    assert.equal(cluster.nodeOf("default/p1"), undefined, "binding still in flight");
    assert.equal(scheduler.cache.isAssumed("default/p1"), true);
    assert.equal(scheduler.scheduleOne(), true);
    await scheduler.drain();
    const nodes = [cluster.nodeOf("default/p1"), cluster.nodeOf("default/p2")];
    assert.deepEqual([...nodes].sort(), ["a", "b"]);
    assert.equal(scheduler.cache.isAssumed("default/p1"), false, "confirmed by the informer's update");
    assert.deepEqual(scheduler.stats, { attempts: 2, scheduled: 2, bound: 2, bindFailures: 0, unschedulable: 0, preemptions: 0 });
  });

  it("forgets the assumption when binding fails and retries after the backoff", async () => {
    let failures = 1;
    const { cluster, clock, scheduler } = setup({ bindFailure: () => (failures-- > 0 ? "etcdserver: request timed out" : undefined) });
    cluster.addNode(makeNode("a", { cpu: "1" }));
    cluster.createPod(makePod("p", { cpu: "1" }));
    await scheduler.drain();
    assert.equal(cluster.nodeOf("default/p"), undefined);
    assert.equal(scheduler.cache.nodeInfo("a")!.requested.milliCpu, 0, "the assumed pod was forgotten");
    assert.equal(scheduler.queue.sizes.backoff, 1);
    clock.advance(999);
    assert.equal(scheduler.queue.flushBackoffCompleted(), 0);
    clock.advance(1);
    assert.equal(scheduler.queue.flushBackoffCompleted(), 1);
    await scheduler.drain();
    assert.equal(cluster.nodeOf("default/p"), "a");
    assert.equal(scheduler.stats.bindFailures, 1);
  });

  it("reports an unschedulable pod and schedules it when a node is added", async () => {
    const { cluster, clock, scheduler } = setup();
    cluster.addNode(makeNode("small", { cpu: "1" }));
    cluster.addNode(makeNode("gpu", { cpu: "8", taints: [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }] }));
    cluster.createPod(makePod("big", { cpu: "2" }));
    await scheduler.drain();
    assert.equal(
      cluster.unschedulableMessages.get("default/big"),
      "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had taint {dedicated: gpu}, that the pod didn't tolerate. " +
        "preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.",
      "2 cpu can never fit in 1, and the taint is not resolved by evictions",
    );
    assert.equal(scheduler.queue.sizes.unschedulable, 1);
    clock.advance(1000);
    cluster.addNode(makeNode("large", { cpu: "4" }));
    await scheduler.drain();
    assert.equal(cluster.nodeOf("default/big"), "large");
    assert.equal(cluster.unschedulableMessages.has("default/big"), false);
  });

  it("moves a waiting pod back when a bound pod is deleted", async () => {
    const { cluster, clock, scheduler } = setup();
    cluster.addNode(makeNode("a", { cpu: "1" }));
    cluster.createPod(makePod("first", { cpu: "1" }));
    await scheduler.drain();
    cluster.createPod(makePod("second", { cpu: "1" }));
    await scheduler.drain();
    assert.equal(scheduler.queue.sizes.unschedulable, 1);
    clock.advance(1000);
    cluster.deletePod("default/first");
    await scheduler.drain();
    assert.equal(cluster.nodeOf("default/second"), "a");
  });

  it("requeues a pod only on events that may help the plugins that rejected it", async () => {
    const { cluster, clock, scheduler } = setup();
    cluster.addNode(makeNode("plain"));
    cluster.createPod(makePod("other", { nodeName: "plain" }));
    cluster.createPod(makePod("picky", { nodeSelector: { disk: "ssd" } }));
    await scheduler.drain();
    assert.equal(scheduler.queue.sizes.unschedulable, 1);
    clock.advance(1000);
    cluster.deletePod("default/other");
    assert.equal(scheduler.queue.sizes.unschedulable, 1, "a deleted pod frees resources, not labels");
    cluster.addNode(makeNode("fast", { labels: { disk: "ssd" } }));
    assert.equal(scheduler.queue.sizes.active, 1);
    await scheduler.drain();
    assert.equal(cluster.nodeOf("default/picky"), "fast");
  });

  it("does not retry waiting pods on node heartbeats or pod status reports", async () => {
    const { cluster, clock, scheduler } = setup();
    const node = makeNode("a", { cpu: "1" });
    cluster.addNode(node);
    cluster.createPod(makePod("running", { cpu: "1" }));
    await scheduler.drain();
    cluster.createPod(makePod("waiting", { cpu: "1" }));
    await scheduler.drain();
    clock.advance(60_000);
    cluster.addNode({ ...node, status: { ...node.status, conditions: [{ type: "Ready", status: "True", lastHeartbeatTime: new Date() }] } });
    const running = cluster.pods.get("default/running")!;
    cluster.createPod({ ...running, status: { phase: "Running" } });
    assert.deepEqual(scheduler.queue.sizes, { active: 0, backoff: 0, unschedulable: 1, inFlight: 0 });
    cluster.addNode(makeNode("a", { cpu: "2" }));
    assert.equal(scheduler.queue.sizes.active, 1, "more allocatable does matter");
  });

  it("retries a pod waiting for pod affinity when the pod it needs is bound", async () => {
    const { cluster, clock, scheduler } = setup();
    cluster.addNode(makeNode("a"));
    const needsCache = { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: "cache" } } }] } };
    cluster.createPod(makePod("web", { affinity: needsCache }));
    await scheduler.drain();
    assert.match(cluster.unschedulableMessages.get("default/web") ?? "", /didn't match pod affinity rules/);
    clock.advance(1000);
    cluster.createPod(makePod("cache", { labels: { app: "cache" } }));
    await scheduler.drain();
    assert.equal(cluster.nodeOf("default/web"), "a");
  });

  it("leaves pods of other schedulers, and pods being deleted, alone", async () => {
    const { cluster, scheduler } = setup();
    cluster.addNode(makeNode("a"));
    cluster.createPod(makePod("mine"));
    cluster.createPod(makePod("theirs", { schedulerName: "other-scheduler" }));
    const leaving = makePod("leaving");
    leaving.metadata!.deletionTimestamp = new Date();
    cluster.createPod(leaving);
    await scheduler.drain();
    assert.equal(cluster.nodeOf("default/leaving"), undefined, "a pod being deleted is not placed");
    assert.equal(cluster.nodeOf("default/mine"), "a");
    assert.equal(cluster.nodeOf("default/theirs"), undefined);
    assert.equal(scheduler.queue.has("default/theirs"), false);
  });

  it("preempts lower-priority pods for a higher-priority one, which then takes their place", async () => {
    const { cluster, clock, scheduler } = setup();
    cluster.addNode(makeNode("a", { cpu: "2" }));
    cluster.createPod(makePod("low-1", { cpu: "1", priority: 1 }));
    cluster.createPod(makePod("low-2", { cpu: "1", priority: 2 }));
    await scheduler.drain();
    cluster.createPod(makePod("high", { cpu: "1", priority: 100 }));
    await scheduler.drain();
    assert.deepEqual(cluster.evicted, ["default/low-1"], "one victim, the lowest priority");
    assert.equal(cluster.nominated.get("default/high"), "a");
    clock.advance(1000);
    scheduler.queue.flushBackoffCompleted();
    await scheduler.drain();
    assert.equal(cluster.nodeOf("default/high"), "a");
    assert.equal(cluster.nodeOf("default/low-2"), "a");
  });

  it("keeps the room made by preemption for the preemptor", async () => {
    const { cluster, clock, scheduler } = setup();
    cluster.addNode(makeNode("a", { cpu: "1" }));
    cluster.createPod(makePod("low", { cpu: "1", priority: 1 }));
    await scheduler.drain();
    cluster.createPod(makePod("high", { cpu: "1", priority: 100 }));
    await scheduler.drain();
    assert.deepEqual(cluster.evicted, ["default/low"]);
    // A pod of middling priority arrives before the preemptor is retried: the room is not its.
    cluster.createPod(makePod("middle", { cpu: "1", priority: 50 }));
    await scheduler.drain();
    assert.equal(cluster.nodeOf("default/middle"), undefined);
    clock.advance(1000);
    scheduler.queue.flushBackoffCompleted();
    await scheduler.drain();
    assert.equal(cluster.nodeOf("default/high"), "a");
  });

  it("logs and skips an object it cannot read instead of stopping", async () => {
    const cluster = new FakeCluster();
    const lines: string[] = [];
    const logger = createLogger("scheduler", { write: (l) => lines.push(l) });
    const scheduler = new Scheduler({ source: cluster, binder: cluster, recorder: cluster, random: seededRandom(1), logger });
    scheduler.connect();
    cluster.addNode(makeNode("a"));
    cluster.createPod(makePod("bad", { cpu: "lots" }));
    cluster.createPod(makePod("good", { cpu: "1" }));
    await scheduler.drain();
    assert.equal(cluster.nodeOf("default/good"), "a");
    assert.equal(lines.length, 1);
    assert.equal(JSON.parse(lines[0]!).pod, "default/bad");
    assert.equal(JSON.parse(lines[0]!).component, "scheduler");
  });

  it("does not evict more while the first victims are still terminating", async () => {
    const { cluster, clock, scheduler } = setup({ gracefulEviction: true });
    cluster.addNode(makeNode("a", { cpu: "1" }));
    cluster.addNode(makeNode("b", { cpu: "1" }));
    cluster.createPod(makePod("low-a", { cpu: "1", priority: 1 }));
    cluster.createPod(makePod("low-b", { cpu: "1", priority: 1 }));
    await scheduler.drain();
    cluster.createPod(makePod("high", { cpu: "1", priority: 100 }));
    await scheduler.drain();
    assert.equal(cluster.evicted.length, 1);
    for (let i = 0; i < 3; i++) {
      clock.advance(20_000);
      cluster.addNode(makeNode(`tiny-${i}`, { cpu: "100m" }));
      scheduler.queue.flushBackoffCompleted();
      await scheduler.drain();
    }
    assert.equal(cluster.evicted.length, 1, "retries wait for the victim instead of evicting on the other node");
    assert.match(cluster.unschedulableMessages.get("default/high") ?? "", /not eligible due to a terminating pod on the nominated node/);
    cluster.finishTerminating();
    clock.advance(20_000);
    scheduler.queue.flushBackoffCompleted();
    await scheduler.drain();
    assert.equal(cluster.nodeOf("default/high"), cluster.nominated.get("default/high"));
  });

  it("runs by itself with run() and stops cleanly", async () => {
    const cluster = new FakeCluster();
    const scheduler = new Scheduler({ source: cluster, binder: cluster, recorder: cluster, random: seededRandom(2) });
    cluster.addNode(makeNode("a"));
    scheduler.run();
    for (let i = 0; i < 10; i++) cluster.createPod(makePod(`p${i}`));
    for (let i = 0; i < 50 && scheduler.stats.bound < 10; i++) await new Promise((r) => setTimeout(r, 5));
    await scheduler.stop();
    assert.equal(scheduler.stats.bound, 10);
  });
});
