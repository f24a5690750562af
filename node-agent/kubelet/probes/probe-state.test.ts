import assert from "node:assert/strict";
import { test } from "node:test";
import { probeTiming, ProbeState } from "./probe-state.ts";

test("defaults as Kubernetes: period 10 s, timeout 1 s, success 1, failure 3, no delay", () => {
  assert.deepEqual(probeTiming({}, "readiness"), { initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 });
  assert.throws(() => probeTiming({ successThreshold: 2 }, "liveness"), /successThreshold must be 1/);
});

test("initial delay and period gate probing; readiness starts false, liveness true", () => {
  const r = new ProbeState("readiness", probeTiming({ initialDelaySeconds: 5, periodSeconds: 2 }, "readiness"));
  const l = new ProbeState("liveness", probeTiming({}, "liveness"));
  assert.equal(r.result, false);
  assert.equal(l.due("c1", 0, 0), true);
  assert.equal(l.result, true);
  assert.equal(r.due("c1", 0, 4_999), false);
  assert.equal(r.due("c1", 0, 5_000), true);
  r.started(5_000);
  assert.equal(r.due("c1", 0, 6_999), false);
  assert.equal(r.due("c1", 0, 7_000), true);
});

test("readiness flips after successThreshold successes and failureThreshold failures", () => {
  const r = new ProbeState("readiness", probeTiming({ successThreshold: 2, failureThreshold: 3 }, "readiness"));
  r.due("c", 0, 0);
  assert.deepEqual([true, true, false, false, true, false, false, false, true].map((x) => r.record(x)), [
    false,
    true,
    true,
    true,
    true,
    true,
    true,
    false,
    false,
  ]);
});

test("liveness failure holds until the container is replaced, then counts again from true", () => {
  const l = new ProbeState("liveness", probeTiming({ failureThreshold: 2, periodSeconds: 1 }, "liveness"));
  assert.equal(l.due("c1", 0, 0), true);
  l.started(0);
  assert.equal(l.record(false), true);
  assert.equal(l.record(false), false);
  assert.equal(l.due("c1", 0, 10_000), false, "on hold");
  assert.equal(l.due("c2", 10_000, 10_000), true, "a new container");
  assert.equal(l.result, true);
});

test("startup: false until it succeeds once, then done for this container", () => {
  const s = new ProbeState("startup", probeTiming({ failureThreshold: 30, periodSeconds: 1 }, "startup"));
  assert.equal(s.due("c", 0, 0), true);
  assert.equal(s.record(false), false);
  assert.equal(s.record(true), true);
  assert.equal(s.due("c", 0, 5_000), false);
});
