import assert from "node:assert/strict";
import { test } from "node:test";
import { kubeEvictionRates, ZoneLimiter, zoneState } from "./zone-limiter.ts";

test("zone states as kube computes them", () => {
  assert.equal(zoneState(5, 0, 0.55), "Normal");
  assert.equal(zoneState(3, 2, 0.55), "Normal", "two unhealthy nodes never make a disruption");
  assert.equal(zoneState(2, 3, 0.55), "PartialDisruption");
  assert.equal(zoneState(10, 3, 0.55), "Normal");
  assert.equal(zoneState(0, 1, 0.55), "FullDisruption");
});

test("rates: one token per 10 s when normal; none in a small partially disrupted zone; 0.01/s in a large one", () => {
  const l = new ZoneLimiter(kubeEvictionRates);
  l.update(new Map([["z", { ready: 9, notReady: 1 }]]), 0);
  assert.equal(l.tryAccept("z", 0), true);
  assert.equal(l.tryAccept("z", 5000), false);
  assert.equal(l.tryAccept("z", 10_000), true);
  l.update(new Map([["z", { ready: 4, notReady: 6 }]]), 10_000);
  assert.equal(l.state("z"), "PartialDisruption");
  assert.equal(l.tryAccept("z", 1_000_000), false);
  l.update(new Map([["z", { ready: 40, notReady: 60 }]]), 0);
  assert.equal(l.tryAccept("z", 0), true);
  assert.equal(l.tryAccept("z", 50_000), false);
  assert.equal(l.tryAccept("z", 100_000), true);
  l.update(new Map([["z", { ready: 0, notReady: 3 }]]), 0);
  assert.equal(l.allFullyDisrupted(), true);
});
