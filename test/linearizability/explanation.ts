// Turns the point where the search got stuck into text a person can follow
// back to the recorded history, citing operations by their index in it.

import type { Model, Operation, Partition } from "./types.ts";

/** Where the deepest branch of a failed search ended. Indices are local to the partition. */
export interface DeadEnd<S> {
  /** Operations linearized on that branch, in order. */
  prefix: readonly number[];
  /** Model state after the prefix. */
  state: S;
  /** The operation whose return was reached before it could be linearized. */
  blocking: number;
  /** Every operation that was called but not yet linearized at that point. */
  candidates: readonly number[];
}

export interface ExplanationContext<S, I, O, Op extends Operation<I, O>> {
  model: Model<S, I, O, Op>;
  partition: Partition<Op>;
  historySize: number;
  globalIndex(local: number): number;
}

/** Enough of the prefix to see how the state came about without flooding the reader. */
const PREFIX_LINES = 8;

export function describeIllegal<S, I, O, Op extends Operation<I, O>>(
  context: ExplanationContext<S, I, O, Op>,
  deadEnd: DeadEnd<S>,
): string {
  const { model, partition } = context;
  const lines = [`${subject(partition)}: not linearizable (${scope(context)}).`];
  const state = describeState(model, deadEnd.state);
  if (deadEnd.prefix.length === 0) {
    lines.push(`No operation can take effect first, from the initial state ${state}.`);
  } else {
    lines.push(`The longest linearizable prefix found has ${deadEnd.prefix.length} operations and leaves the state ${state}:`);
    const shown = deadEnd.prefix.slice(-PREFIX_LINES);
    if (shown.length < deadEnd.prefix.length) {
      lines.push(`  … ${deadEnd.prefix.length - shown.length} earlier operations`);
    }
    for (const local of shown) lines.push(`  ${describeOperation(context, local)}`);
  }
  const blocking = partition.operations[deadEnd.blocking];
  const due = blocking === undefined ? "" : ` before its return at ${blocking.return}`;
  lines.push(
    `Then #${context.globalIndex(deadEnd.blocking)} must take effect${due}, but none of the pending operations can go next:`,
  );
  for (const local of deadEnd.candidates) {
    const op = partition.operations[local];
    if (op === undefined) continue;
    const legal = model.step(deadEnd.state, op.input, op.output).length > 0;
    const why = legal ? "possible, but no order of the remaining operations works after it" : `impossible in state ${state}`;
    lines.push(`  ${describeOperation(context, local)}: ${why}`);
  }
  return lines.join("\n");
}

export function describeTimeout<S, I, O, Op extends Operation<I, O>>(
  context: ExplanationContext<S, I, O, Op>,
  linearized: number,
  budgetMs: number,
): string {
  return (
    `${subject(context.partition)}: gave up after the ${budgetMs} ms budget with ${linearized} of ` +
    `${context.partition.operations.length} operations linearized on the current branch (${scope(context)}); ` +
    `the history may or may not be linearizable.`
  );
}

function subject(partition: Partition<unknown>): string {
  return partition.key === undefined ? "history" : `key ${JSON.stringify(partition.key)}`;
}

function scope<S, I, O, Op extends Operation<I, O>>(context: ExplanationContext<S, I, O, Op>): string {
  const size = context.partition.operations.length;
  return context.partition.key === undefined
    ? `${size} operations`
    : `${size} of the ${context.historySize} operations in the history ${size === 1 ? "is" : "are"} on this key`;
}

function describeOperation<S, I, O, Op extends Operation<I, O>>(
  context: ExplanationContext<S, I, O, Op>,
  local: number,
): string {
  const op = context.partition.operations[local];
  if (op === undefined) return `#${local}`;
  const model = context.model;
  const body = model.describeOperation
    ? model.describeOperation(op.input, op.output)
    : `${JSON.stringify(op.input)} → ${op.output === undefined ? "?" : JSON.stringify(op.output)}`;
  const end = op.output === undefined || op.return === Infinity ? "?" : String(op.return);
  return `#${context.globalIndex(local)} client ${op.clientId} [${op.call}, ${end}] ${body}`;
}

function describeState<S, I, O, Op extends Operation<I, O>>(model: Model<S, I, O, Op>, state: S): string {
  return model.describeState ? model.describeState(state) : JSON.stringify(state);
}
