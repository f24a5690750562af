// Time and randomness are injected so that tests never sleep and ties are reproducible.

export interface Clock {
  /** Milliseconds, monotonic enough for backoff and queue ordering. */
  now(): number;
}

export const systemClock: Clock = { now: () => performance.now() };

export class FakeClock implements Clock {
  constructor(private ms = 0) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** Returns a float in [0, 1). */
export type RandomSource = () => number;

/** A small seeded generator (mulberry32) for tests and benchmarks. */
export function seededRandom(seed: number): RandomSource {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
