// Checks one partition by running the search in both candidate orders side
// by side: each is exact, and whichever finishes first gives the verdict.

import { LinearizationSearch } from "./zz-search.ts";
import type { SearchOrder, SearchVerdict } from "./zz-search.ts";
import type { Model, Operation } from "./types.ts";

/** Steps each search runs between turns; also how often the clock is read. */
const SLICE = 1024;

export function checkPartition<S, I, O, Op extends Operation<I, O>>(
  model: Model<S, I, O, Op>,
  ops: readonly Op[],
  clock: () => number,
  deadline: number,
  orders: readonly SearchOrder[] = ops.some((op) => op.output === undefined) ? ["eager", "deferred"] : ["eager"],
): SearchVerdict<S> {
  // Only known outcomes must be linearized; without any there is nothing to search.
  if (ops.every((op) => op.output === undefined)) return { kind: "ok" };
  const searches = orders.map((order) => new LinearizationSearch(model, ops, order));
  while (true) {
    if (clock() >= deadline) {
      return { kind: "unknown", linearized: Math.max(0, ...searches.map((s) => s.depth)) };
    }
    for (const search of searches) {
      const verdict = search.run(SLICE);
      if (verdict !== undefined) return verdict;
    }
  }
}
