// Porcupine's checker: each partition of the history (a key, for a KV store)
// is checked on its own, which is sound because linearizability is
// compositional, and the first failure is turned into a readable result.

import { describeIllegal, describeTimeout } from "./explanation.ts";
import { checkPartition } from "./partition-check.ts";
import type { CheckOptions, CheckResult, Model, Operation, Partition } from "./types.ts";

/** Checks a whole history: each partition in order of size, stopping at the first verdict that is not ok. */
export function checkOperations<S, I, O, Op extends Operation<I, O>>(
  model: Model<S, I, O, Op>,
  history: readonly Op[],
  options: CheckOptions = {},
): CheckResult {
  const clock = options.clock ?? (() => performance.now());
  const deadline = clock() + (options.budgetMs ?? Infinity);
  history.forEach(validateInterval);
  const indexInHistory = new Map<Op, number>();
  history.forEach((op, i) => indexInHistory.set(op, i));

  const partitions: Partition<Op>[] = model.partition ? model.partition(history) : [{ operations: history }];
  // Small partitions first: the first one that fails is then the smallest failing one.
  const ordered = [...partitions].sort((a, b) => a.operations.length - b.operations.length);
  for (const partition of ordered) {
    const verdict = checkPartition(model, partition.operations, clock, deadline);
    if (verdict.kind === "ok") continue;
    const globalIndex = (local: number): number => {
      const op = partition.operations[local];
      return op === undefined ? local : (indexInHistory.get(op) ?? local);
    };
    const context = { model, partition, historySize: history.length, globalIndex };
    if (verdict.kind === "unknown") {
      return {
        outcome: "unknown",
        ok: false,
        timedOut: true,
        operations: history.length,
        ...(partition.key === undefined ? {} : { key: partition.key }),
        explanation: describeTimeout(context, verdict.linearized, options.budgetMs ?? Infinity),
      };
    }
    return {
      outcome: "illegal",
      ok: false,
      operations: history.length,
      ...(partition.key === undefined ? {} : { key: partition.key }),
      explanation: describeIllegal(context, verdict.deadEnd),
      longestPrefix: verdict.deadEnd.prefix.map(globalIndex),
      involved: verdict.deadEnd.candidates.map(globalIndex),
    };
  }
  return { outcome: "ok", ok: true, operations: history.length };
}

function validateInterval<I, O>(op: Operation<I, O>, index: number): void {
  if (!Number.isFinite(op.call)) {
    throw new RangeError(`operation #${index} has call time ${op.call}; it must be a finite number`);
  }
  if (op.output !== undefined && !(op.return >= op.call)) {
    throw new RangeError(`operation #${index} returns at ${op.return}, before its call at ${op.call}`);
  }
}
