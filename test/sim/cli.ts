// npm run sim -- --seed N [--steps M] [--members 3|5] [--bug NAME] [--messages]
//   replays one seed with a readable trace.
// npm run sim -- --seeds 100000 [--from S] [--bug NAME]
//   a soak run over many seeds; prints failing seeds and throughput.
import { parseArgs } from "node:util";
import { bugNames, type BugName } from "./bugs.ts";
import { runSimulation, type SimOptions } from "./simulation.ts";

const { values } = parseArgs({
  options: {
    seed: { type: "string" },
    seeds: { type: "string" },
    from: { type: "string", default: "1" },
    steps: { type: "string" },
    members: { type: "string" },
    bug: { type: "string" },
    messages: { type: "boolean", default: false },
  },
});

const bug = values.bug as BugName | undefined;
if (bug !== undefined && !bugNames.includes(bug)) {
  console.error(`unknown bug "${bug}"; known: ${bugNames.join(", ")}`);
  process.exit(2);
}

function options(seed: number): SimOptions {
  const o: SimOptions = { seed };
  if (values.steps !== undefined) o.steps = Number(values.steps);
  if (values.members !== undefined) o.members = Number(values.members);
  if (bug !== undefined) o.bug = bug;
  return o;
}

if (values.seed !== undefined) {
  const o = options(Number(values.seed));
  o.trace = (line) => console.log(line);
  o.traceMessages = values.messages;
  const r = runSimulation(o);
  console.log(
    `\nseed ${r.seed}: ${r.members} members, ${r.steps} steps, ${r.simulatedMs.toFixed(0)} simulated ms, ` +
      `${r.committed} committed, ${r.operations} client operations, recovery ${r.recoveryMs.toFixed(0)} ms`,
  );
  console.log(r.violations.length === 0 ? "no violations" : `VIOLATIONS:\n${r.violations.join("\n")}`);
  process.exit(r.violations.length === 0 ? 0 : 1);
}

const count = Number(values.seeds ?? "1000");
const from = Number(values.from);
const started = performance.now();
let failed = 0;
let operations = 0;
for (let seed = from; seed < from + count; seed++) {
  const r = runSimulation(options(seed));
  operations += r.operations;
  if (r.violations.length > 0) {
    failed++;
    console.log(`seed ${seed}: ${r.violations[0]}`);
  }
  if ((seed - from + 1) % 1000 === 0) {
    const secs = (performance.now() - started) / 1000;
    console.error(`${seed - from + 1} seeds, ${failed} failing, ${((seed - from + 1) / secs).toFixed(1)} seeds/s`);
  }
}
const secs = (performance.now() - started) / 1000;
console.log(`${count} seeds in ${secs.toFixed(1)} s (${(count / secs).toFixed(1)} seeds/s), ${operations} client operations checked, ${failed} failing`);
process.exit(failed === 0 ? 0 : 1);
