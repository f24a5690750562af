// The generic algorithm, driven by tiny models so each behaviour is isolated.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkOperations } from "./checker.ts";
import type { Model, Operation } from "./types.ts";

type RegisterInput = { op: "write"; value: number } | { op: "read" };
type RegisterOp = Operation<RegisterInput, number | null> & { key?: string };

/** A register holding a number; reads output it, writes output null. */
const register: Model<number, RegisterInput, number | null, RegisterOp> = {
  init: () => 0,
  step(state, input, output) {
    if (input.op === "write") return [input.value];
    return output === undefined || output === state ? [state] : [];
  },
  equal: (a, b) => a === b,
  hash: (s) => s | 0,
};

/** The same register, checked one key at a time. */
const keyedRegister: Model<number, RegisterInput, number | null, RegisterOp> = {
  ...register,
  partition(history) {
    const keys = [...new Set(history.map((op) => op.key ?? ""))];
    return keys.map((key) => ({ key, operations: history.filter((op) => (op.key ?? "") === key) }));
  },
};

function write(clientId: number, call: number, ret: number, value: number, key?: string): RegisterOp {
  return { clientId, input: { op: "write", value }, output: null, call, return: ret, ...(key ? { key } : {}) };
}

function read(clientId: number, call: number, ret: number, value: number, key?: string): RegisterOp {
  return { clientId, input: { op: "read" }, output: value, call, return: ret, ...(key ? { key } : {}) };
}

describe("checkOperations", () => {
  it("accepts an empty history", () => {
    assert.deepEqual(checkOperations(register, []), { outcome: "ok", ok: true, operations: 0 });
  });

  it("accepts a sequential history and counts its operations", () => {
    const result = checkOperations(register, [write(0, 0, 1, 1), read(0, 2, 3, 1), write(1, 4, 5, 2), read(1, 6, 7, 2)]);
    assert.deepEqual(result, { outcome: "ok", ok: true, operations: 4 });
  });

  it("rejects a read of a value overwritten before the read was called", () => {
    const result = checkOperations(register, [write(0, 0, 1, 1), write(0, 2, 3, 2), read(1, 4, 5, 1)]);
    assert.equal(result.outcome, "illegal");
    assert.equal(result.ok, false);
  });

  it("treats intervals as closed: a call at the instant of another's return is concurrent with it", () => {
    assert.equal(checkOperations(register, [write(0, 0, 5, 1), read(1, 5, 6, 0)]).ok, true);
    assert.equal(checkOperations(register, [write(0, 0, 5, 1), read(1, 6, 7, 0)]).ok, false);
  });

  it("finds an order that the order of calls does not suggest", () => {
    // The write called last must be linearized first, or the read of 1 is impossible.
    const history = [write(0, 0, 10, 1), write(1, 1, 10, 2), read(2, 11, 12, 1), read(3, 13, 14, 1)];
    assert.equal(checkOperations(register, history).ok, true);
  });

  it("lets an operation with an unknown outcome take effect late or never", () => {
    const hung: RegisterOp = { ...write(0, 1, 0, 7), output: undefined, return: Infinity };
    assert.equal(checkOperations(register, [hung, read(1, 2, 3, 0), read(1, 4, 5, 7)]).ok, true);
    assert.equal(checkOperations(register, [hung, read(1, 2, 3, 0), read(1, 4, 5, 0)]).ok, true);
    assert.equal(checkOperations(register, [hung, read(1, 2, 3, 7), read(1, 4, 5, 0)]).ok, false);
  });

  it("explores every state a nondeterministic step allows", () => {
    // A write that may be dropped: it leads to either the new or the old value.
    const lossy: Model<number, RegisterInput, number | null> = {
      ...register,
      step: (state, input, output) => (input.op === "write" ? [state, input.value] : register.step(state, input, output)),
    };
    assert.equal(checkOperations(lossy, [write(0, 0, 1, 5), read(0, 2, 3, 0)]).ok, true);
    assert.equal(checkOperations(lossy, [write(0, 0, 1, 5), read(0, 2, 3, 5)]).ok, true);
    assert.equal(checkOperations(lossy, [write(0, 0, 1, 5), read(0, 2, 3, 6)]).ok, false);
  });

  it("cites operations by their index in the whole history and explains the dead end", () => {
    const history = [write(0, 0, 1, 1, "a"), write(0, 0, 1, 1, "b"), read(1, 2, 3, 9, "b")];
    const result = checkOperations(keyedRegister, history);
    assert.equal(result.outcome, "illegal");
    if (result.outcome !== "illegal") return;
    assert.equal(result.key, "b");
    assert.deepEqual(result.longestPrefix, [1]);
    assert.deepEqual(result.involved, [2]);
    assert.match(result.explanation, /^key "b": not linearizable/);
    assert.match(result.explanation, /#2 client 1 \[2, 3\] .* impossible in state 1/);
  });

  it("reports the smallest failing partition", () => {
    const history = [
      write(0, 0, 1, 1, "big"),
      write(0, 2, 3, 2, "big"),
      read(0, 4, 5, 1, "big"),
      read(1, 0, 1, 3, "small"),
      read(2, 0, 1, 0, "fine"),
    ];
    const result = checkOperations(keyedRegister, history);
    assert.equal(result.outcome, "illegal");
    assert.equal(result.outcome === "illegal" && result.key, "small");
  });

  it("answers unknown, never ok, when the budget runs out", () => {
    // Twenty concurrent writes and a read of a value none of them wrote: the search
    // must try every subset before it can reject, far more than the budget allows.
    const writes = Array.from({ length: 20 }, (_, i) => write(i, 0, 100, i + 1));
    const history = [...writes, read(20, 200, 201, 99)];
    let now = 0;
    const result = checkOperations(register, history, { budgetMs: 5, clock: () => now++ });
    assert.equal(result.outcome, "unknown");
    assert.equal(result.ok, false);
    assert.equal(result.outcome === "unknown" && result.timedOut, true);
    assert.equal(result.operations, 21);
    assert.match(result.outcome === "unknown" ? result.explanation : "", /may or may not be linearizable/);
  });

  it("rejects intervals that end before they start", () => {
    assert.throws(() => checkOperations(register, [write(0, 5, 4, 1)]), RangeError);
    assert.throws(() => checkOperations(register, [write(0, Number.NaN, 4, 1)]), RangeError);
  });
});
