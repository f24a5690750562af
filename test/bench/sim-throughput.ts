// Seeds per second of the deterministic simulator (the figure the README
// reports), with the seed count as argument.
import { runSimulation } from "../sim/simulation.ts";

export async function main(args: string[]): Promise<number> {
  const json = args.includes("--json");
  const seeds = Number(args.find((a) => /^\d+$/.test(a)) ?? "300");
  const started = performance.now();
  let steps = 0;
  let simulatedMs = 0;
  let failing = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const r = runSimulation({ seed });
    steps += r.steps;
    simulatedMs += r.simulatedMs;
    if (r.violations.length > 0) failing++;
  }
  const seconds = (performance.now() - started) / 1000;
  const result = { bench: "sim", seeds, seconds, seedsPerSecond: seeds / seconds, eventsPerSecond: steps / seconds, simulatedSecondsPerSecond: simulatedMs / 1000 / seconds, failing };
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    process.stdout.write(
      `simulator: ${seeds} seeds in ${seconds.toFixed(1)} s = ${result.seedsPerSecond.toFixed(0)} seeds/s, ` +
        `${Math.round(result.eventsPerSecond).toLocaleString("en")} events/s, ${result.simulatedSecondsPerSecond.toFixed(0)}× real time; ${failing} failing\n`,
    );
  }
  return failing === 0 ? 0 : 1;
}
