import assert from "node:assert/strict";
import { test } from "node:test";
import { FakeElectionClock } from "../leader-election/fake-election-clock.ts";
import { MemoryLeaseLock } from "../leader-election/lease-lock.ts";
import { leaseGate } from "./lease-gate.ts";

const timings = { leaseDurationMs: 4000, renewDeadlineMs: 3000, retryPeriodMs: 1000 };

/** A gate whose lead() records when it starts and when it sees leadership end. */
function manager(lock: MemoryLeaseLock, clock: FakeElectionClock, identity: string, log: string[]) {
  const gate = leaseGate({ lock, clock, identity, ...timings });
  const done = gate.run(async (lost) => {
    log.push(`${identity} leads`);
    await new Promise<void>((resolve) => lost.addEventListener("abort", () => resolve(), { once: true }));
    log.push(`${identity} stops leading`);
  });
  return { gate, done };
}

test("one of two managers leads; stopping it releases the Lease and the other takes over at once", async () => {
  const lock = new MemoryLeaseLock();
  const clock = new FakeElectionClock();
  const log: string[] = [];
  const a = manager(lock, clock, "a", log);
  await clock.advance(0);
  const b = manager(lock, clock, "b", log);
  await clock.advance(5000);
  assert.deepEqual(log, ["a leads"]);

  await a.gate.stop();
  await a.done;
  assert.equal((await lock.get())?.record.holderIdentity, "", "a released the Lease");
  // b sees the released Lease at its next retry, well before a lease duration.
  await clock.advance(2000);
  assert.deepEqual(log, ["a leads", "a stops leading", "b leads"]);
  await b.gate.stop();
  await b.done;
});

test("a leader that cannot renew stops leading and its run() ends", async () => {
  const lock = new MemoryLeaseLock();
  const clock = new FakeElectionClock();
  const log: string[] = [];
  const a = manager(lock, clock, "a", log);
  await clock.advance(0);
  assert.deepEqual(log, ["a leads"]);
  lock.unreachable = true;
  await clock.advance(5000);
  await a.done;
  assert.deepEqual(log, ["a leads", "a stops leading"]);
});
