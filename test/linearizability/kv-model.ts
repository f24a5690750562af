// The sequential specification of one key of a KV store, and the entry point
// that checks a multi-key history key by key.

import { checkOperations } from "./checker.ts";
import type { CheckOptions, CheckResult, Model, Operation, Partition } from "./types.ts";

export type KvInput =
  | { op: "get" }
  | { op: "put"; value: string }
  | { op: "delete" }
  /** `expected: null` means create-if-absent. */
  | { op: "cas"; expected: string | null; value: string };

/**
 * A get answers `{ value }` (null when absent). Put, delete and cas answer
 * `{ ok }`: put and delete report `ok: true` when applied, and `ok: false`
 * only when the store definitely did not apply them (no effect at all); a
 * cas reports whether the comparison held.
 */
export type KvOutput = { value: string | null } | { ok: boolean };

/** The value of the key, null when absent. */
export type KvState = string | null;

export interface KvOperation extends Operation<KvInput, KvOutput> {
  key: string;
}

export const kvModel: Model<KvState, KvInput, KvOutput, KvOperation> = {
  init: () => null,

  step(state, input, output) {
    switch (input.op) {
      case "get":
        if (output === undefined) return [state];
        return "value" in output && output.value === state ? [state] : [];
      case "put":
        return write(state, input.value, output);
      case "delete":
        return write(state, null, output);
      case "cas": {
        const holds = state === input.expected;
        if (output === undefined) return [holds ? input.value : state];
        if (!("ok" in output) || output.ok !== holds) return [];
        return [holds ? input.value : state];
      }
    }
  },

  equal: (a, b) => a === b,

  hash(state) {
    if (state === null) return 0x6e756c6c;
    // FNV-1a over UTF-16 code units.
    let h = 0x811c9dc5;
    for (let i = 0; i < state.length; i++) h = Math.imul(h ^ state.charCodeAt(i), 0x01000193);
    return h | 0;
  },

  partition(history) {
    const byKey = new Map<string, KvOperation[]>();
    for (const op of history) {
      // A get with an unknown outcome constrains nothing, and leaving it out keeps the search small.
      if (op.input.op === "get" && op.output === undefined) continue;
      let ops = byKey.get(op.key);
      if (ops === undefined) {
        ops = [];
        byKey.set(op.key, ops);
      }
      ops.push(op);
    }
    return [...byKey].map(([key, operations]): Partition<KvOperation> => ({ key, operations }));
  },

  describeOperation(input, output) {
    const call = describeInput(input);
    if (output === undefined) return `${call} → ? (outcome unknown)`;
    if ("value" in output) return `${call} → ${describeValue(output.value)}`;
    return `${call} → ${output.ok ? "ok" : "failed"}`;
  },

  describeState: (state) => (state === null ? "absent" : JSON.stringify(state)),
};

/** Checks a KV history: each key is an independent register, so each is checked on its own. */
export function checkKvHistory(history: readonly KvOperation[], options?: CheckOptions): CheckResult {
  history.forEach(validateKvOperation);
  return checkOperations(kvModel, history, options);
}

function write(state: KvState, value: KvState, output: KvOutput | undefined): readonly KvState[] {
  if (output === undefined) return [value];
  if (!("ok" in output)) return [];
  return [output.ok ? value : state];
}

/** A recorder bug (an output of the wrong shape) should fail loudly, not read as a linearizability violation. */
function validateKvOperation(op: KvOperation, index: number): void {
  if (typeof op.key !== "string") throw new TypeError(`operation #${index} has no string key`);
  const output: unknown = op.output;
  if (output === undefined) return;
  const wanted = op.input.op === "get" ? "value" : "ok";
  if (typeof output !== "object" || output === null || !(wanted in output)) {
    throw new TypeError(`operation #${index} (${op.input.op}) must have an output with "${wanted}", got ${JSON.stringify(output)}`);
  }
}

function describeInput(input: KvInput): string {
  switch (input.op) {
    case "get":
      return "get()";
    case "put":
      return `put(${JSON.stringify(input.value)})`;
    case "delete":
      return "delete()";
    case "cas":
      return `cas(${describeValue(input.expected)} → ${JSON.stringify(input.value)})`;
  }
}

function describeValue(value: string | null): string {
  return value === null ? "absent" : JSON.stringify(value);
}
