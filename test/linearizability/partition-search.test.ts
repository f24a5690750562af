// Both search orders against a brute-force enumeration of every order, on
// many tiny random histories, so that pruning can never hide a linearization
// or invent one.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { kvModel } from "./kv-model.ts";
import type { KvInput, KvOperation, KvOutput, KvState } from "./kv-model.ts";
import { checkPartition } from "./partition-check.ts";
import { seededRandom } from "./random-kv-history.ts";
import type { Random } from "./random-kv-history.ts";

/** Tries every order that respects real time; unknown outcomes may also be left out. */
function bruteForce(ops: readonly KvOperation[]): boolean {
  const placed = new Array<boolean>(ops.length).fill(false);
  const search = (state: KvState): boolean => {
    const pending = ops.filter((op, i) => !placed[i] && op.output !== undefined);
    if (pending.length === 0) return true;
    // Closed intervals: an operation can go next unless a pending one returned before its call.
    const deadline = Math.min(...pending.map((op) => op.return));
    return ops.some((op, i) => {
      if (placed[i] || op.call > deadline) return false;
      placed[i] = true;
      const found = kvModel.step(state, op.input, op.output).some((next) => search(next));
      placed[i] = false;
      return found;
    });
  };
  return search(kvModel.init());
}

const VALUES = ["a", "b", "c"];

function randomValue(random: Random, withAbsent: boolean): string | null {
  const i = random.int(VALUES.length + (withAbsent ? 1 : 0));
  return VALUES[i] ?? null;
}

/** Arbitrary operations over a tiny value space, so that many are linearizable and many are not. */
function randomHistory(seed: number): KvOperation[] {
  const random = seededRandom(seed);
  return Array.from({ length: 2 + random.int(6) }, (_, i): KvOperation => {
    const call = random.int(12);
    const r = random.next();
    let input: KvInput;
    let output: KvOutput;
    if (r < 0.35) {
      input = { op: "get" };
      output = { value: randomValue(random, true) };
    } else if (r < 0.6) {
      input = { op: "put", value: randomValue(random, false) ?? "a" };
      output = { ok: true };
    } else if (r < 0.7) {
      input = { op: "delete" };
      output = { ok: true };
    } else {
      input = { op: "cas", expected: randomValue(random, true), value: randomValue(random, false) ?? "a" };
      output = { ok: random.next() < 0.5 };
    }
    const unknown = input.op !== "get" && random.next() < 0.3;
    return {
      clientId: i,
      key: "x",
      input,
      output: unknown ? undefined : output,
      call,
      return: unknown ? Infinity : call + random.int(6),
    };
  });
}

describe("search orders against brute force", () => {
  it("agree on 3,000 tiny random histories", () => {
    let linearizable = 0;
    for (let seed = 0; seed < 3000; seed++) {
      const ops = randomHistory(seed);
      const expected = bruteForce(ops);
      if (expected) linearizable++;
      for (const order of ["eager", "deferred"] as const) {
        const verdict = checkPartition(kvModel, ops, () => 0, Infinity, [order]);
        assert.equal(verdict.kind, expected ? "ok" : "illegal", `seed ${seed}, ${order} order`);
      }
    }
    // Both verdicts must be well represented for the comparison to mean anything.
    assert.ok(linearizable > 600 && linearizable < 2400, `${linearizable} of 3000 linearizable`);
  });
});
