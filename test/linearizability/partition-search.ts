// The search for a linearization of one partition: Wing & Gong's
// backtracking with Lowe's just-in-time linearization and memoization, as in
// Porcupine, plus two prunings for operations whose outcome is unknown.

import { ConfigurationMemo } from "./configuration-memo.ts";
import { buildEntryLists, lift, unlift } from "./entry-list.ts";
import type { Entry, EntryLists } from "./entry-list.ts";
import type { DeadEnd } from "./explanation.ts";
import { LinearizedSet } from "./linearized-set.ts";
import type { Model, Operation } from "./types.ts";

export type SearchVerdict<S> =
  | { kind: "ok" }
  | { kind: "illegal"; deadEnd: DeadEnd<S> }
  | { kind: "unknown"; linearized: number };

/**
 * Where unknown-outcome operations go among the candidates. "eager" is
 * Porcupine's order (by call time), quick when the history is linearizable;
 * "deferred" tries them only after every known-outcome candidate, which lets
 * the memo prune far more when it has to prove that no order exists.
 */
export type SearchOrder = "eager" | "deferred";

/**
 * One linearized operation. Frames are immutable and linked downwards, so the
 * deepest branch can be remembered in O(1) by keeping its top frame.
 */
interface Frame<S> {
  entry: Entry;
  before: S;
  /** All states the operation could lead to; `chosen` indexes the one being explored. */
  after: readonly S[];
  chosen: number;
  /** The scan phase the operation was chosen in (see `blocking`), restored on backtracking. */
  blocking: Entry | null;
  below: Frame<S> | null;
  depth: number;
}

/** A dead end as seen during the search; turned into a `DeadEnd` only if the search fails. */
interface DeepestBranch<S> {
  top: Frame<S> | null;
  state: S;
  blocking: number;
  candidates: number[];
}

/** A resumable search, so that several orders can share one time budget. */
export class LinearizationSearch<S, I, O, Op extends Operation<I, O>> {
  private readonly model: Model<S, I, O, Op>;
  private readonly ops: readonly Op[];
  private readonly lists: EntryLists;
  private readonly known: LinearizedSet;
  private readonly unknown: LinearizedSet;
  private readonly memo: ConfigurationMemo<S>;
  private mustLinearize: number;
  private top: Frame<S> | null = null;
  private state: S;
  private entry: Entry | null;
  /**
   * Null while scanning the main list; once the scan reaches a return, that
   * return, while the scan goes through the unknown-outcome calls made before it.
   */
  private blocking: Entry | null = null;
  private deepest: DeepestBranch<S> | null = null;

  constructor(model: Model<S, I, O, Op>, ops: readonly Op[], order: SearchOrder) {
    this.model = model;
    this.ops = ops;
    // A timed-out request may still be applied later, so an unknown outcome never closes the interval.
    const intervals = ops.map((op) => ({ call: op.call, return: op.return, known: op.output !== undefined }));
    this.lists = buildEntryLists(intervals, order === "deferred");
    this.known = new LinearizedSet(this.lists.knownCount);
    this.unknown = new LinearizedSet(this.lists.unknownCount);
    this.memo = new ConfigurationMemo(
      (a, b) => model.equal(a, b),
      (state) => model.hash(state),
      order === "deferred",
    );
    this.mustLinearize = this.lists.knownCount;
    this.state = model.init();
    this.entry = this.lists.known.next;
  }

  /** How many operations the current branch has linearized. */
  get depth(): number {
    return this.top?.depth ?? 0;
  }

  /** Runs at most `steps` steps; undefined when the search is not finished yet. */
  run(steps: number): SearchVerdict<S> | undefined {
    for (let i = 0; i < steps; i++) {
      if (this.mustLinearize === 0) return { kind: "ok" };
      const verdict = this.step();
      if (verdict !== undefined) return verdict;
    }
    return this.mustLinearize === 0 ? { kind: "ok" } : undefined;
  }

  private step(): SearchVerdict<S> | undefined {
    const entry = this.entry;
    if (this.blocking === null && entry !== null && !entry.isCall) {
      this.blocking = entry;
      this.entry = this.lists.unknown.next;
      return undefined;
    }
    if (entry !== null && (this.blocking === null || entry.time <= this.blocking.time)) {
      const op = this.ops[entry.op] as Op;
      const after = this.model.step(this.state, op.input, op.output);
      this.advance(entry, this.state, after, this.firstNew(entry, after, 0, this.top));
      return undefined;
    }
    // Nothing can go before the blocking return after this prefix: backtrack.
    const blocking = this.blocking;
    if (blocking === null) throw new Error("linearizability search ran past the last return event");
    const top = this.top;
    if (this.deepest === null || (top?.depth ?? 0) > (this.deepest.top?.depth ?? 0)) {
      this.deepest = this.recordBranch(blocking);
    }
    if (top === null) return { kind: "illegal", deadEnd: toDeadEnd(this.deepest) };
    const call = top.entry;
    (call.match !== null ? this.known : this.unknown).delete(call.slot);
    unlift(call);
    if (call.match !== null) this.mustLinearize++;
    this.state = top.before;
    this.blocking = top.blocking;
    this.top = top.below;
    this.advance(call, top.before, top.after, this.firstNew(call, top.after, top.chosen + 1, this.top));
    return undefined;
  }

  /** Moves into the chosen state, or on to the next candidate when there is none. */
  private advance(call: Entry, before: S, after: readonly S[], chosen: number): void {
    if (chosen < 0) {
      this.entry = call.next;
      return;
    }
    const below = this.top;
    this.top = { entry: call, before, after, chosen, blocking: this.blocking, below, depth: below === null ? 1 : below.depth + 1 };
    this.state = after[chosen] as S;
    lift(call);
    if (call.match !== null) this.mustLinearize--;
    this.blocking = null;
    this.entry = this.lists.known.next;
  }

  /**
   * The first of the states `call` can lead to (from `from` on) whose
   * configuration is new; -1 if none. On success `call` stays in its set.
   */
  private firstNew(call: Entry, after: readonly S[], from: number, below: Frame<S> | null): number {
    const isKnown = call.match !== null;
    const set = isKnown ? this.known : this.unknown;
    const shortcut = isKnown ? undefined : this.statesSkipping(below, this.ops[call.op] as Op);
    for (let chosen = from; chosen < after.length; chosen++) {
      const next = after[chosen] as S;
      if (shortcut?.some((s) => this.model.equal(s, next))) continue;
      set.add(call.slot);
      if (this.memo.visit(this.known, this.unknown, next)) return chosen;
      set.delete(call.slot);
    }
    return -1;
  }

  /**
   * When an unknown-outcome operation directly follows another one, the
   * states it reaches without the earlier one: reaching them through it only
   * uses up an optional operation, and the branch without it is searched too
   * (both were candidates at the same point).
   */
  private statesSkipping(below: Frame<S> | null, op: Op): readonly S[] | undefined {
    if (below === null || below.entry.match !== null) return undefined;
    return this.model.step(below.before, op.input, op.output);
  }

  /** Captures the branch that got stuck and the operations that could have come next. */
  private recordBranch(blocking: Entry): DeepestBranch<S> {
    const candidates: number[] = [];
    for (let e = this.lists.known.next; e !== null && e !== blocking; e = e.next) {
      if (e.isCall) candidates.push(e.op);
    }
    for (let e = this.lists.unknown.next; e !== null && e.time <= blocking.time; e = e.next) candidates.push(e.op);
    return { top: this.top, state: this.state, blocking: blocking.op, candidates };
  }
}

function toDeadEnd<S>(branch: DeepestBranch<S>): DeadEnd<S> {
  const prefix: number[] = [];
  for (let f = branch.top; f !== null; f = f.below) prefix.push(f.entry.op);
  return { prefix: prefix.reverse(), state: branch.state, blocking: branch.blocking, candidates: branch.candidates };
}
