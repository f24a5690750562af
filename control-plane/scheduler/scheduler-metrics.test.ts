import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sample } from "../../test/support/metrics.ts";
import { seededRandom } from "./clock.ts";
import { FakeCluster } from "./fake-cluster.ts";
import { Scheduler } from "./scheduler.ts";
import { makeNode, makePod } from "./test-objects.ts";

describe("scheduler metrics", () => {
  it("counts attempts by result under kube-scheduler's names, with their latency and the pending pods", async () => {
    const cluster = new FakeCluster();
    const scheduler = new Scheduler({ source: cluster, binder: cluster, recorder: cluster, random: seededRandom(1) });
    scheduler.connect();
    cluster.addNode(makeNode("a", { cpu: "2" }));
    cluster.createPod(makePod("fits", { cpu: "1" }));
    cluster.createPod(makePod("too-big", { cpu: "8" }));
    await scheduler.drain();
    const text = await scheduler.metrics.registry.metrics();
    const profile = "default-scheduler";
    assert.equal(sample(text, "scheduler_schedule_attempts_total", { result: "scheduled", profile }), 1, text);
    assert.equal(sample(text, "scheduler_schedule_attempts_total", { result: "unschedulable", profile }), 1, text);
    assert.equal(sample(text, "scheduler_scheduling_attempt_duration_seconds_count", { result: "scheduled", profile }), 1, text);
    assert.equal(sample(text, "scheduler_scheduling_attempt_duration_seconds_bucket", { result: "scheduled", profile, le: "+Inf" }), 1, text);
    assert.equal(sample(text, "scheduler_pending_pods", { queue: "unschedulable" }), 1, text);
    assert.equal(sample(text, "scheduler_pending_pods", { queue: "active" }), 0, text);
    await scheduler.stop();
  });
});
