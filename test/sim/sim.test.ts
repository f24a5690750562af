// The deterministic simulator, as a test: a thousand seeds of chaos must show
// no safety or liveness violation and only linearizable client histories; a
// seed must replay identically; and each deliberately broken variant of the
// core or host must be caught within the seed budget.
import assert from "node:assert/strict";
import { test } from "node:test";
import { bugNames } from "./bugs.ts";
import { runSimulation } from "./simulation.ts";

const seeds = Number(process.env.SIM_SEEDS ?? "1000");
const huntBudget = 3000;

test(`${seeds} seeds of chaos keep every safety property, recover, and stay linearizable`, () => {
  const failures: string[] = [];
  let operations = 0;
  let unknown = 0;
  let fiveMember = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const r = runSimulation({ seed });
    if (r.members === 5) fiveMember++;
    operations += r.operations;
    if (r.linearizability?.outcome === "unknown") unknown++;
    if (r.violations.length > 0) failures.push(`seed ${seed}: ${r.violations.join("; ")}`);
  }
  assert.deepEqual(failures, [], `replay with: npm run sim -- --seed N\n${failures.join("\n")}`);
  assert.equal(unknown, 0, "the linearizability checker ran out of time on some histories");
  // The runs must really exercise both cluster sizes and real client traffic.
  assert.ok(fiveMember > seeds / 4 && fiveMember < (3 * seeds) / 4, `five-member runs: ${fiveMember}`);
  assert.ok(operations > seeds * 20, `only ${operations} client operations were checked`);
});

test("a seed replays identically", () => {
  const a = runSimulation({ seed: 4242 });
  const b = runSimulation({ seed: 4242 });
  assert.deepEqual(
    { steps: b.steps, ms: b.simulatedMs, committed: b.committed, ops: b.operations },
    { steps: a.steps, ms: a.simulatedMs, committed: a.committed, ops: a.operations },
  );
  assert.ok(a.committed > 0);
});

for (const bug of bugNames) {
  test(`the simulator catches the broken variant "${bug}"`, () => {
    let found: { seed: number; violation: string } | undefined;
    for (let seed = 1; seed <= huntBudget && found === undefined; seed++) {
      const r = runSimulation({ seed, bug, members: 3 });
      if (r.violations.length > 0) found = { seed, violation: r.violations[0]! };
    }
    assert.ok(found !== undefined, `"${bug}" survived ${huntBudget} seeds`);
    process.stdout.write(`# ${bug}: caught at seed ${found.seed}: ${found.violation.split("\n")[0]}\n`);
  });
}
