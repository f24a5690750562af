// A clock for leader election tests: time moves only when the test says so,
// and sleepers wake in order of their deadlines.
import type { ElectionClock } from "./leader-elector.ts";

export class FakeElectionClock implements ElectionClock {
  private sleepers: { at: number; wake: () => void }[] = [];

  constructor(private ms = Date.UTC(2026, 10, 23, 17, 0, 0)) {}

  now(): number {
    return this.ms;
  }

  sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      const sleeper = { at: this.ms + ms, wake: resolve };
      this.sleepers.push(sleeper);
      signal.addEventListener("abort", () => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        resolve();
      });
    });
  }

  /** Moves time forward by ms in steps, waking each sleeper at its deadline and letting it run. */
  async advance(ms: number): Promise<void> {
    const end = this.ms + ms;
    for (;;) {
      await settle();
      this.sleepers.sort((a, b) => a.at - b.at);
      const next = this.sleepers[0];
      if (next === undefined || next.at > end) break;
      this.sleepers.shift();
      this.ms = Math.max(this.ms, next.at);
      next.wake();
    }
    this.ms = end;
    await settle();
  }
}

/** Lets pending promise callbacks (the in-memory lock's answers) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
