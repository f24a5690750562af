// A follower's Progress as the leader tracks it, ported from etcd-io/raft's
// tracker/progress_test.go (here "paused in probe" is `probeSent`).
import assert from "node:assert/strict";
import { test } from "node:test";
import { Progress, ProgressState } from "./progress.ts";

function progress(fields: Partial<Pick<Progress, "match" | "next" | "state" | "pendingSnapshot" | "probeSent">>, maxInflight = 256): Progress {
  const pr = new Progress(fields.next ?? 1, maxInflight, false);
  Object.assign(pr, fields);
  return pr;
}

test("isPaused: probe waits for its probe, replicate for window room, snapshot always", () => {
  assert.equal(progress({ state: ProgressState.Probe }).isPaused(), false);
  assert.equal(progress({ state: ProgressState.Probe, probeSent: true }).isPaused(), true);

  const replicate = progress({ state: ProgressState.Replicate }, 2);
  assert.equal(replicate.isPaused(), false);
  replicate.inflights.add(1);
  assert.equal(replicate.isPaused(), false);
  replicate.inflights.add(2);
  assert.equal(replicate.isPaused(), true);
  replicate.inflights.freeLE(1);
  assert.equal(replicate.isPaused(), false);

  assert.equal(progress({ state: ProgressState.Snapshot }).isPaused(), true);
  assert.equal(progress({ state: ProgressState.Snapshot, probeSent: true }).isPaused(), true);
});

test("maybeDecrTo and maybeUpdate resume a paused probe", () => {
  const pr = progress({ next: 2, probeSent: true });
  pr.maybeDecrTo(1, 1);
  assert.equal(pr.probeSent, false);
  pr.probeSent = true;
  pr.maybeUpdate(2);
  assert.equal(pr.probeSent, false);
  assert.equal(pr.isPaused(), false);
});

test("becomeProbe restarts after match, or after a finished snapshot", () => {
  const cases = [
    { name: "from replicate", pr: progress({ state: ProgressState.Replicate, match: 1, next: 5 }), next: 2 },
    { name: "snapshot finished", pr: progress({ state: ProgressState.Snapshot, match: 1, next: 5, pendingSnapshot: 10 }), next: 11 },
    { name: "snapshot failed", pr: progress({ state: ProgressState.Snapshot, match: 1, next: 5, pendingSnapshot: 0 }), next: 2 },
  ];
  for (const c of cases) {
    c.pr.becomeProbe();
    assert.equal(c.pr.state, ProgressState.Probe, c.name);
    assert.equal(c.pr.match, 1, c.name);
    assert.equal(c.pr.next, c.next, c.name);
    assert.equal(c.pr.pendingSnapshot, 0, c.name);
    assert.equal(c.pr.isPaused(), false, c.name);
  }
});

test("becomeProbe after a snapshot older than match keeps next after match", () => {
  const pr = progress({ state: ProgressState.Snapshot, match: 20, next: 21, pendingSnapshot: 10 });
  pr.becomeProbe();
  assert.equal(pr.next, 21);
});

test("state changes clear the inflight window", () => {
  const pr = progress({ state: ProgressState.Replicate, match: 3, next: 6 }, 2);
  pr.inflights.add(4);
  pr.inflights.add(5);
  assert.equal(pr.isPaused(), true);
  pr.becomeProbe();
  assert.equal(pr.inflights.length(), 0);
  pr.becomeReplicate();
  assert.equal(pr.isPaused(), false);
});

test("becomeReplicate streams from match+1", () => {
  const pr = progress({ state: ProgressState.Probe, match: 1, next: 5 });
  pr.becomeReplicate();
  assert.equal(pr.state, ProgressState.Replicate);
  assert.equal(pr.match, 1);
  assert.equal(pr.next, 2);
});

test("becomeSnapshot records the pending snapshot and pauses", () => {
  const pr = progress({ state: ProgressState.Probe, match: 1, next: 5 });
  pr.becomeSnapshot(10);
  assert.equal(pr.state, ProgressState.Snapshot);
  assert.equal(pr.match, 1);
  assert.equal(pr.pendingSnapshot, 10);
  assert.equal(pr.isPaused(), true);
});

test("maybeUpdate never decreases match or next", () => {
  const cases = [
    { n: 2, match: 3, next: 5, ok: false },
    { n: 3, match: 3, next: 5, ok: false },
    { n: 4, match: 4, next: 5, ok: true },
    { n: 5, match: 5, next: 6, ok: true },
  ];
  for (const c of cases) {
    const pr = progress({ match: 3, next: 5 });
    assert.equal(pr.maybeUpdate(c.n), c.ok, `update(${c.n})`);
    assert.equal(pr.match, c.match, `update(${c.n}): match`);
    assert.equal(pr.next, c.next, `update(${c.n}): next`);
  }
});

test("optimisticUpdate moves next past the sent entries", () => {
  const pr = progress({ state: ProgressState.Replicate, match: 3, next: 4 });
  pr.optimisticUpdate(9);
  assert.equal(pr.next, 10);
  assert.equal(pr.match, 3);
});

test("maybeDecrTo: replicate falls back to match+1, probe only answers its own probe", () => {
  const cases: { state: ProgressState; m: number; n: number; rejected: number; hint: number; ok: boolean; next: number; why: string }[] = [
    { state: ProgressState.Replicate, m: 5, n: 10, rejected: 5, hint: 5, ok: false, next: 10, why: "rejection at match is stale" },
    { state: ProgressState.Replicate, m: 5, n: 10, rejected: 4, hint: 4, ok: false, next: 10, why: "rejection below match is stale" },
    { state: ProgressState.Replicate, m: 5, n: 10, rejected: 9, hint: 9, ok: true, next: 6, why: "back to match+1" },
    { state: ProgressState.Probe, m: 0, n: 0, rejected: 0, hint: 0, ok: false, next: 0, why: "not the probe sent" },
    { state: ProgressState.Probe, m: 0, n: 10, rejected: 5, hint: 5, ok: false, next: 10, why: "not the probe sent" },
    { state: ProgressState.Probe, m: 0, n: 10, rejected: 9, hint: 9, ok: true, next: 9, why: "one back" },
    { state: ProgressState.Probe, m: 0, n: 2, rejected: 1, hint: 1, ok: true, next: 1, why: "one back" },
    { state: ProgressState.Probe, m: 0, n: 1, rejected: 0, hint: 0, ok: true, next: 1, why: "never below 1" },
    { state: ProgressState.Probe, m: 0, n: 10, rejected: 9, hint: 2, ok: true, next: 3, why: "jump to the hint" },
    { state: ProgressState.Probe, m: 0, n: 10, rejected: 9, hint: 0, ok: true, next: 1, why: "hint 0 means 1" },
  ];
  for (const c of cases) {
    const pr = progress({ state: c.state, match: c.m, next: c.n });
    assert.equal(pr.maybeDecrTo(c.rejected, c.hint), c.ok, c.why);
    assert.equal(pr.match, c.m, `${c.why}: match`);
    assert.equal(pr.next, c.next, `${c.why}: next`);
  }
});

test("toString shows state, flags and the window", () => {
  const pr = new Progress(2, 1, true);
  pr.match = 1;
  pr.inflights.add(123);
  pr.becomeSnapshot(123);
  pr.inflights.add(123);
  assert.equal(pr.toString(), "Snapshot match=1 next=2 learner paused pendingSnap=123 inactive inflight=1[full]");
  const active = new Progress(5, 4, false);
  active.recentActive = true;
  assert.equal(active.toString(), "Probe match=0 next=5");
});
