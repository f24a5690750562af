import assert from "node:assert/strict";
import { test } from "node:test";
import { electionFlags, parseDuration, parseFlags } from "./election-flags.ts";
import { FakeElectionClock } from "./fake-election-clock.ts";
import { LeaderElector } from "./leader-elector.ts";
import { MemoryLeaseLock } from "./lease-lock.ts";

const timings = { leaseDurationMs: 4000, renewDeadlineMs: 3000, retryPeriodMs: 1000 };

function candidate(lock: MemoryLeaseLock, clock: FakeElectionClock, identity: string, log: string[]): LeaderElector {
  return new LeaderElector({
    lock,
    clock,
    identity,
    ...timings,
    onStartedLeading: () => log.push(`${identity} leads`),
    onStoppedLeading: () => log.push(`${identity} stops`),
  });
}

test("the first candidate creates the lease; a second one cannot take it while it is renewed", async () => {
  const lock = new MemoryLeaseLock();
  const clock = new FakeElectionClock();
  const log: string[] = [];
  const a = candidate(lock, clock, "a", log);
  const b = candidate(lock, clock, "b", log);
  assert.equal(await a.tryAcquireOrRenew(), true);
  assert.equal(await b.tryAcquireOrRenew(), false);
  for (let i = 0; i < 10; i++) {
    await clock.advance(1000);
    assert.equal(await a.tryAcquireOrRenew(), true);
    assert.equal(await b.tryAcquireOrRenew(), false);
  }
  const { record } = (await lock.get())!;
  assert.equal(record.holderIdentity, "a");
  assert.equal(record.leaseTransitions, 0);
  assert.equal(record.leaseDurationSeconds, 4);
  assert.match(record.renewTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  assert.equal(b.observedLeader, "a");
});

test("a lease not renewed for leaseDuration (on the candidate's own clock) is taken over and counts a transition", async () => {
  const lock = new MemoryLeaseLock();
  const clock = new FakeElectionClock();
  const log: string[] = [];
  const a = candidate(lock, clock, "a", log);
  const b = candidate(lock, clock, "b", log);
  assert.equal(await a.tryAcquireOrRenew(), true);
  assert.equal(await b.tryAcquireOrRenew(), false);
  await clock.advance(3999);
  assert.equal(await b.tryAcquireOrRenew(), false, "not expired yet");
  await clock.advance(1);
  assert.equal(await b.tryAcquireOrRenew(), true);
  const { record } = (await lock.get())!;
  assert.equal(record.holderIdentity, "b");
  assert.equal(record.leaseTransitions, 1);
  assert.equal(await a.tryAcquireOrRenew(), false, "the old holder sees the new one");
});

test("of two candidates writing the same version, only one wins (compare-and-swap on resourceVersion)", async () => {
  const lock = new MemoryLeaseLock();
  const clock = new FakeElectionClock();
  const log: string[] = [];
  const [a, b] = [candidate(lock, clock, "a", log), candidate(lock, clock, "b", log)];
  const won = await Promise.all([a.tryAcquireOrRenew(), b.tryAcquireOrRenew()]);
  assert.deepEqual(won.filter(Boolean).length, 1);
  await clock.advance(5000);
  const again = await Promise.all([a.tryAcquireOrRenew(), b.tryAcquireOrRenew()]);
  assert.equal(again.filter(Boolean).length, 1);
});

test("run: one leads, the standby takes over when the leader stops renewing, and the old leader steps down", async () => {
  const lock = new MemoryLeaseLock();
  const clock = new FakeElectionClock();
  const log: string[] = [];
  const a = candidate(lock, clock, "a", log);
  const runA = a.run();
  await clock.advance(0);
  const b = candidate(lock, clock, "b", log);
  const runB = b.run();
  await clock.advance(10_000);
  assert.deepEqual(log, ["a leads"]);
  assert.equal(a.isLeader, true);
  assert.equal(b.isLeader, false);

  // a cannot reach the API server any more: it steps down after renewDeadline, b takes over after leaseDuration.
  lock.unreachable = true;
  await clock.advance(3000);
  lock.unreachable = false;
  await clock.advance(0);
  assert.deepEqual(log, ["a leads", "a stops"]);
  await runA;
  // b's own requests failed while the API server was unreachable, so it may first see a's last renewal at its
  // first (jittered, ≤ 1.2 s) retry after 13 s; the lease then runs leaseDuration (4 s) from that sighting,
  // and b takes it at its next retry: by 13 + 1.2 + 4 + 1.2 s at the latest.
  await clock.advance(6400);
  assert.deepEqual(log, ["a leads", "a stops", "b leads"]);
  assert.equal((await lock.get())!.record.leaseTransitions, 1);
  await b.stop();
  await runB;
  assert.deepEqual(log, ["a leads", "a stops", "b leads", "b stops"]);
  assert.equal((await lock.get())!.record.holderIdentity, "", "released on stop");
});

test("a released lease is taken at once, without waiting for it to expire", async () => {
  const lock = new MemoryLeaseLock();
  const clock = new FakeElectionClock();
  const log: string[] = [];
  const a = candidate(lock, clock, "a", log);
  const b = candidate(lock, clock, "b", log);
  assert.equal(await a.tryAcquireOrRenew(), true);
  assert.equal(await b.tryAcquireOrRenew(), false);
  await a.stop();
  assert.equal(await b.tryAcquireOrRenew(), true);
});

test("flags: kube's names, Go durations, defaults for a few-second failover", () => {
  assert.equal(parseDuration("4s"), 4000);
  assert.equal(parseDuration("1m30s"), 90_000);
  assert.equal(parseDuration("250ms"), 250);
  assert.equal(parseDuration("1.5s"), 1500);
  assert.throws(() => parseDuration("4"), /invalid duration/);
  const f = electionFlags(parseFlags(["--leader-elect", "--leader-elect-lease-duration", "6s", "--leader-elect-renew-deadline=5s"], new Set(["leader-elect"])), "kube-scheduler");
  assert.deepEqual(f, { enabled: true, leaseDurationMs: 6000, renewDeadlineMs: 5000, retryPeriodMs: 1000, namespace: "kube-system", name: "kube-scheduler" });
  assert.equal(electionFlags(new Map(), "x").leaseDurationMs, 4000);
  assert.throws(() => electionFlags(new Map([["leader-elect-renew-deadline", "5s"]]), "x"), /leaseDuration must be greater/);
});

test("a leader whose renewals hang steps down by renewDeadline, before its lease can expire for others", async () => {
  const lock = new MemoryLeaseLock();
  const clock = new FakeElectionClock();
  const log: string[] = [];
  const a = candidate(lock, clock, "a", log);
  const runA = a.run();
  await clock.advance(2000);
  assert.deepEqual(log, ["a leads"]);
  lock.hanging = true;
  // The last renewal was at most one retry period ago; renewDeadline (3 s) after it, a gives up.
  await clock.advance(3000);
  assert.deepEqual(log, ["a leads", "a stops"]);
  await runA;
});
