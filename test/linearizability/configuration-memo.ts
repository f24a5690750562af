// Remembers the configurations the search has entered, so it never explores
// the same one twice (Lowe's memoization), extended with dominance for
// operations whose outcome is unknown.

import type { LinearizedSet, SetSnapshot } from "./linearized-set.ts";

interface Visit<S> {
  known: SetSnapshot;
  unknown: SetSnapshot;
  state: S;
}

/**
 * A configuration is the set of known-outcome operations linearized, the set
 * of unknown-outcome ones linearized, and the model state. With `dominance`,
 * one that has linearized more unknown-outcome operations than a visited
 * configuration, with everything else equal, is pruned too: it can do nothing
 * the visited one could not (that one may still linearize them, or never).
 * That keeps a search that tries unknown outcomes last from trying every
 * subset of them again at every point of a failing history. Without it the
 * match is exact, which is cheaper when unknown outcomes are tried early.
 */
export class ConfigurationMemo<S> {
  private readonly visits = new Map<number, Visit<S>[]>();
  private readonly equal: (a: S, b: S) => boolean;
  private readonly hash: (state: S) => number;
  private readonly dominance: boolean;

  constructor(equal: (a: S, b: S) => boolean, hash: (state: S) => number, dominance: boolean) {
    this.equal = equal;
    this.hash = hash;
    this.dominance = dominance;
  }

  /** Records the configuration and returns true, unless a visited one already covers it. */
  visit(known: LinearizedSet, unknown: LinearizedSet, state: S): boolean {
    const sets = this.dominance ? known.hash : known.hash ^ Math.imul(unknown.hash, 0x2c1b3c6d);
    const key = (sets ^ Math.imul(this.hash(state), 0x01000193)) | 0;
    let bucket = this.visits.get(key);
    if (bucket === undefined) {
      bucket = [];
      this.visits.set(key, bucket);
    } else {
      for (const v of bucket) {
        const covered = this.dominance ? unknown.includes(v.unknown) : unknown.equals(v.unknown);
        if (covered && known.equals(v.known) && this.equal(v.state, state)) return false;
      }
    }
    bucket.push({ known: known.snapshot(), unknown: unknown.snapshot(), state });
    return true;
  }
}
