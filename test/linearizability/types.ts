// The vocabulary shared by the checker and its models: recorded operations,
// sequential models, and the three possible verdicts.

/**
 * One client operation as a test harness recorded it. Times are on one clock
 * shared by all clients (any unit); intervals are treated as closed.
 */
export interface Operation<I, O> {
  clientId: number;
  input: I;
  /**
   * `undefined` when the outcome is unknown (timeout, crash, lost reply): the
   * operation may have taken effect at any time after its call, or never.
   */
  output: O | undefined;
  call: number;
  /** `Infinity` when unknown; ignored (taken as `Infinity`) when `output` is undefined. */
  return: number;
}

/** A part of a history that can be checked on its own (P-compositionality). */
export interface Partition<Op> {
  /** Names the part in verdicts, e.g. the key of a KV store. */
  key?: string;
  /** The same objects as in the full history, so verdicts can cite their index there. */
  operations: readonly Op[];
}

/** A pure sequential specification. States must be treated as immutable values. */
export interface Model<S, I, O, Op extends Operation<I, O> = Operation<I, O>> {
  init(): S;
  /**
   * Every state that applying `input` to `state` can lead to when it produces
   * `output`; empty when that is illegal. With `output` undefined, every state
   * reachable by any output the model allows.
   */
  step(state: S, input: I, output: O | undefined): readonly S[];
  equal(a: S, b: S): boolean;
  /** A 32-bit integer; equal states must hash equally. */
  hash(state: S): number;
  /** Splits a history into independently checkable parts; absent means one part. */
  partition?(history: readonly Op[]): Partition<Op>[];
  describeOperation?(input: I, output: O | undefined): string;
  describeState?(state: S): string;
}

export interface CheckOptions {
  /** Time budget for the whole check in milliseconds; when exceeded the verdict is "unknown". */
  budgetMs?: number;
  /** Milliseconds on any monotonic scale; injected so tests can drive the budget. */
  clock?: () => number;
}

/** The ok verdict: every partition has a linearization. */
export interface CheckOk {
  outcome: "ok";
  ok: true;
  /** Number of operations in the history that was checked. */
  operations: number;
}

/** The illegal verdict: the smallest partition that has no linearization. */
export interface CheckIllegal {
  outcome: "illegal";
  ok: false;
  operations: number;
  key?: string;
  /** Human-readable account naming the partition and the operations involved. */
  explanation: string;
  /** Indices (into the checked history) of the longest linearizable prefix found, in order. */
  longestPrefix: readonly number[];
  /** Indices of the operations that could not be linearized after that prefix. */
  involved: readonly number[];
}

/** The budget ran out: nothing is claimed either way. */
export interface CheckUnknown {
  outcome: "unknown";
  ok: false;
  timedOut: true;
  operations: number;
  /** The partition that was being checked when time ran out. */
  key?: string;
  explanation: string;
}

export type CheckResult = CheckOk | CheckIllegal | CheckUnknown;
