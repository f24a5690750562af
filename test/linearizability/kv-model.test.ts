// The KV model and the per-key check: hand-written histories with known
// verdicts, then random histories that are linearizable by construction.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkKvHistory, kvModel } from "./kv-model.ts";
import type { KvInput, KvOperation, KvOutput } from "./kv-model.ts";
import { generateKvHistory, seededRandom } from "./random-kv-history.ts";

function op(clientId: number, call: number, ret: number, input: KvInput, output: KvOutput | undefined, key = "x"): KvOperation {
  return { clientId, key, input, output, call, return: output === undefined ? Infinity : ret };
}
const get = (c: number, call: number, ret: number, value: string | null, key?: string): KvOperation =>
  op(c, call, ret, { op: "get" }, { value }, key);
const put = (c: number, call: number, ret: number, value: string, key?: string): KvOperation =>
  op(c, call, ret, { op: "put", value }, { ok: true }, key);
const del = (c: number, call: number, ret: number, key?: string): KvOperation =>
  op(c, call, ret, { op: "delete" }, { ok: true }, key);
const cas = (c: number, call: number, ret: number, expected: string | null, value: string, ok: boolean): KvOperation =>
  op(c, call, ret, { op: "cas", expected, value }, { ok });
/** A put whose client never heard back. */
const hungPut = (c: number, call: number, value: string, key?: string): KvOperation =>
  op(c, call, Infinity, { op: "put", value }, undefined, key);

function assertLinearizable(history: KvOperation[]): void {
  const result = checkKvHistory(history);
  assert.equal(result.outcome, "ok", result.outcome === "ok" ? "" : result.explanation);
}

function assertIllegal(history: KvOperation[], key = "x"): string {
  const result = checkKvHistory(history);
  assert.equal(result.outcome, "illegal");
  if (result.outcome !== "illegal") return "";
  assert.equal(result.key, key);
  assert.ok(result.explanation.startsWith(`key ${JSON.stringify(key)}: not linearizable`), result.explanation);
  return result.explanation;
}

describe("kvModel", () => {
  it("steps a get only when it reads the current value", () => {
    assert.deepEqual(kvModel.step("a", { op: "get" }, { value: "a" }), ["a"]);
    assert.deepEqual(kvModel.step("a", { op: "get" }, { value: null }), []);
  });

  it("steps a cas with an unknown outcome to whatever the comparison decides", () => {
    assert.deepEqual(kvModel.step("a", { op: "cas", expected: "a", value: "b" }, undefined), ["b"]);
    assert.deepEqual(kvModel.step("z", { op: "cas", expected: "a", value: "b" }, undefined), ["z"]);
  });

  it("treats a put reported as not applied as having no effect", () => {
    assert.deepEqual(kvModel.step("a", { op: "put", value: "b" }, { ok: false }), ["a"]);
  });
});

describe("checkKvHistory accepts linearizable histories", () => {
  it("a sequential history over put, get and delete", () => {
    assertLinearizable([put(0, 0, 1, "a"), get(0, 2, 3, "a"), put(1, 4, 5, "b"), get(1, 6, 7, "b"), del(0, 8, 9), get(1, 10, 11, null)]);
  });

  it("overlapping puts ordered differently from their calls", () => {
    assertLinearizable([put(0, 0, 10, "a"), put(1, 5, 15, "b"), get(2, 16, 17, "a")]);
    assertLinearizable([put(0, 0, 10, "a"), put(1, 5, 15, "b"), get(2, 16, 17, "b")]);
  });

  it("a read concurrent with a write returning the old or the new value", () => {
    assertLinearizable([put(0, 0, 1, "a"), put(0, 2, 10, "b"), get(1, 3, 5, "a"), get(1, 6, 8, "b")]);
    assertLinearizable([put(0, 0, 1, "a"), put(0, 2, 10, "b"), get(1, 3, 5, "b")]);
  });

  it("a put with an unknown outcome that took effect, took effect late, or never did", () => {
    assertLinearizable([put(0, 0, 1, "a"), hungPut(0, 2, "b"), get(1, 5, 6, "a")]);
    assertLinearizable([put(0, 0, 1, "a"), hungPut(0, 2, "b"), get(1, 5, 6, "b")]);
    assertLinearizable([put(0, 0, 1, "a"), hungPut(0, 2, "b"), get(1, 5, 6, "a"), get(1, 100, 101, "b")]);
  });

  it("cas successes and failures, including create-if-absent", () => {
    assertLinearizable([
      cas(0, 0, 1, null, "a", true),
      cas(1, 2, 3, null, "b", false),
      cas(0, 4, 5, "a", "c", true),
      cas(1, 6, 7, "a", "d", false),
      get(0, 8, 9, "c"),
    ]);
  });

  it("concurrent cas operations where only one can win", () => {
    assertLinearizable([put(0, 0, 1, "0"), cas(1, 2, 6, "0", "1", true), cas(2, 3, 7, "0", "2", false), get(0, 8, 9, "1")]);
  });

  it("independent keys that would conflict if they were one register", () => {
    assertLinearizable([put(0, 0, 1, "a", "x"), put(1, 0, 1, "b", "y"), get(0, 2, 3, "a", "x"), get(1, 2, 3, "b", "y")]);
  });

  it("a get with an unknown outcome, which constrains nothing", () => {
    assertLinearizable([put(0, 0, 1, "a"), op(1, 2, Infinity, { op: "get" }, undefined), get(0, 3, 4, "a")]);
  });
});

describe("checkKvHistory rejects non-linearizable histories", () => {
  it("a stale read after a write returned", () => {
    const explanation = assertIllegal([put(0, 0, 1, "a"), put(0, 2, 3, "b"), get(1, 4, 5, "a")]);
    assert.match(explanation, /#2 client 1 \[4, 5\] get\(\) → "a": impossible in state "b"/);
  });

  it("two sequential reads seeing the new value, then the old one", () => {
    assertIllegal([put(0, 0, 1, "a"), put(0, 2, 20, "b"), get(1, 3, 4, "b"), get(1, 5, 6, "a")]);
  });

  it("a cas that succeeds against a value that was never there", () => {
    const history = [put(0, 0, 1, "a"), cas(1, 2, 3, "z", "b", true)];
    assertIllegal(history);
    const result = checkKvHistory(history);
    assert.deepEqual(result.outcome === "illegal" && result.involved, [1]);
  });

  it("a lost update: two concurrent cas operations from the same value both succeed", () => {
    assertIllegal([put(0, 0, 1, "0"), cas(1, 2, 6, "0", "1", true), cas(2, 3, 7, "0", "2", true)]);
  });

  it("a read of a hung put's value before the put was called", () => {
    assertIllegal([put(0, 0, 1, "a"), get(1, 2, 3, "b"), hungPut(0, 4, "b")]);
  });

  it("a read of absent after the key was created", () => {
    assertIllegal([cas(0, 0, 1, null, "a", true), get(1, 2, 3, null)]);
  });

  it("names the failing key among healthy ones", () => {
    const history = [put(0, 0, 1, "a", "ok"), get(0, 2, 3, "a", "ok"), put(1, 0, 1, "a", "bad"), put(1, 2, 3, "b", "bad"), get(2, 4, 5, "a", "bad")];
    assertIllegal(history, "bad");
  });
});

describe("checkKvHistory on random histories", () => {
  const seeds = Array.from({ length: 40 }, (_, i) => 1000 + i);

  it("accepts histories that are linearizable by construction", () => {
    for (const seed of seeds) {
      const history = generateKvHistory({ seed, operations: 300, keys: 3, clients: 5, unknownRate: 0.05 });
      const result = checkKvHistory(history);
      assert.equal(result.outcome, "ok", `seed ${seed}: ${result.outcome === "ok" ? "" : result.explanation}`);
    }
  });

  it("rejects them once a read returns a value that was never written", () => {
    for (const seed of seeds) {
      const history = generateKvHistory({ seed, operations: 300, keys: 3, clients: 5, unknownRate: 0.05 });
      const reads = history.filter((o) => o.input.op === "get" && o.output !== undefined);
      const victim = reads[seededRandom(seed).int(reads.length)];
      assert.ok(victim, `seed ${seed} produced no reads`);
      victim.output = { value: "never-written" };
      const result = checkKvHistory(history);
      assert.equal(result.outcome, "illegal", `seed ${seed}`);
      assert.equal(result.outcome === "illegal" && result.key, victim.key, `seed ${seed}`);
    }
  });

  it("accepts 10,000 operations over 5 keys from 5 clients", () => {
    const history = generateKvHistory({ seed: 7, operations: 10_000, keys: 5, clients: 5, unknownRate: 0.01 });
    assert.deepEqual(checkKvHistory(history), { outcome: "ok", ok: true, operations: 10_000 });
  });
});

describe("checkKvHistory time budget", () => {
  it("answers unknown for an adversarial history when the budget is zero", () => {
    // Many concurrent puts and a read nobody wrote: rejecting it needs an exponential search.
    const puts = Array.from({ length: 200 }, (_, i) => put(i, 0, 1000, `v${i}`));
    const result = checkKvHistory([...puts, get(200, 2000, 2001, "nobody")], { budgetMs: 0 });
    assert.equal(result.outcome, "unknown");
    assert.equal(result.ok, false);
    assert.equal(result.outcome === "unknown" && result.key, "x");
  });
});

describe("checkKvHistory input validation", () => {
  it("throws on an output of the wrong shape rather than calling it a violation", () => {
    assert.throws(() => checkKvHistory([op(0, 0, 1, { op: "get" }, { ok: true })]), TypeError);
    assert.throws(() => checkKvHistory([op(0, 0, 1, { op: "put", value: "a" }, { value: "a" })]), TypeError);
  });
});
