import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FakeClock } from "../clock.ts";
import { newPodInfo } from "../framework/pod-info.ts";
import { makePod } from "../test-objects.ts";
import { SchedulingQueue } from "./scheduling-queue.ts";

function setup(pluginEvents = new Map()) {
  const clock = new FakeClock(1000);
  const queue = new SchedulingQueue({ clock, pluginEvents });
  return { clock, queue };
}

const pi = (name: string, priority = 0) => newPodInfo(makePod(name, { priority }));

describe("SchedulingQueue", () => {
  it("pops by priority, then by time of arrival", () => {
    const { clock, queue } = setup();
    queue.add(pi("low-old", 0));
    clock.advance(1);
    queue.add(pi("high", 100));
    clock.advance(1);
    queue.add(pi("low-new", 0));
    assert.deepEqual([queue.pop()?.key, queue.pop()?.key, queue.pop()?.key, queue.pop()], ["default/high", "default/low-old", "default/low-new", undefined]);
  });

  it("backs off exponentially per pod, 1 s doubling to 10 s", () => {
    const { clock, queue } = setup();
    queue.add(pi("p"));
    const waits: number[] = [];
    for (let attempt = 1; attempt <= 6; attempt++) {
      const q = queue.pop();
      assert.ok(q, `attempt ${attempt}`);
      queue.addBackoff(q);
      const expiry = queue.nextBackoffExpiry()!;
      waits.push(expiry - clock.now());
      clock.advance(expiry - clock.now() - 1);
      assert.equal(queue.flushBackoffCompleted(), 0, "still backing off 1 ms before the end");
      clock.advance(1);
      assert.equal(queue.flushBackoffCompleted(), 1);
    }
    assert.deepEqual(waits, [1000, 2000, 4000, 8000, 10000, 10000]);
  });

  it("keeps unschedulable pods until an event that may help", () => {
    const events = new Map([["NodeResourcesFit", ["NodeAdd", "AssignedPodDelete"] as const]]);
    const { clock, queue } = setup(events);
    queue.add(pi("p"));
    const q = queue.pop()!;
    queue.addUnschedulable(q, queue.cycle, new Set(["NodeResourcesFit"]));
    assert.deepEqual(queue.sizes, { active: 0, backoff: 0, unschedulable: 1, inFlight: 0 });
    assert.equal(queue.onClusterEvent("AssignedPodAdd"), 0, "another pod arriving frees nothing");
    clock.advance(5000);
    assert.equal(queue.onClusterEvent("NodeAdd"), 1);
    assert.deepEqual(queue.sizes, { active: 1, backoff: 0, unschedulable: 0, inFlight: 0 }, "its backoff had already ended");
  });

  it("moves a pod back into backoff when its backoff has not ended", () => {
    const { queue } = setup();
    queue.add(pi("p"));
    queue.addUnschedulable(queue.pop()!, queue.cycle, new Set(["X"]));
    queue.onClusterEvent("NodeUpdate");
    assert.deepEqual(queue.sizes, { active: 0, backoff: 1, unschedulable: 0, inFlight: 0 });
  });

  it("sends a pod to backoff, not unschedulable, when an event came during its cycle", () => {
    const { queue } = setup();
    queue.add(pi("p"));
    const q = queue.pop()!;
    const cycle = queue.cycle;
    queue.onClusterEvent("AssignedPodDelete");
    queue.addUnschedulable(q, cycle, new Set(["NodeResourcesFit"]));
    assert.deepEqual(queue.sizes, { active: 0, backoff: 1, unschedulable: 0, inFlight: 0 });
  });

  it("flushes pods that stayed unschedulable too long", () => {
    const clock = new FakeClock(0);
    const queue = new SchedulingQueue({ clock, maxUnschedulableMs: 60_000 });
    queue.add(pi("p"));
    queue.addUnschedulable(queue.pop()!, queue.cycle, new Set(["X"]));
    clock.advance(59_999);
    assert.equal(queue.flushUnschedulableLeftover(), 0);
    clock.advance(1);
    assert.equal(queue.flushUnschedulableLeftover(), 1);
    assert.equal(queue.pop()?.key, "default/p");
  });

  it("keeps an unschedulable pod waiting when only its status changed", () => {
    const { clock, queue } = setup();
    queue.add(pi("p"));
    queue.addUnschedulable(queue.pop()!, queue.cycle, new Set(["X"]));
    clock.advance(2000);
    const withCondition = makePod("p", { priority: 0 });
    withCondition.status = { conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable" }] };
    queue.update(newPodInfo(withCondition));
    assert.deepEqual(queue.sizes, { active: 0, backoff: 0, unschedulable: 1, inFlight: 0 });
    queue.update(newPodInfo(makePod("p", { priority: 0, labels: { fixed: "yes" } })));
    assert.deepEqual(queue.sizes, { active: 1, backoff: 0, unschedulable: 0, inFlight: 0 });
  });

  it("forgets deleted pods wherever they are, and an update retries an unschedulable pod", () => {
    const { clock, queue } = setup();
    queue.add(pi("a"));
    queue.add(pi("b"));
    queue.delete("default/a");
    const b = queue.pop()!;
    queue.addUnschedulable(b, queue.cycle, new Set(["X"]));
    clock.advance(2000);
    queue.update(pi("b", 5));
    assert.equal(queue.pop()?.pi.priority, 5);
    queue.delete("default/b");
    assert.deepEqual(queue.sizes, { active: 0, backoff: 0, unschedulable: 0, inFlight: 0 });
  });
});
