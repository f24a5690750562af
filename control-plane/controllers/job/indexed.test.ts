import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { formatIndexes, parseIndexes } from "./indexed.ts";

test("completedIndexes: kube's interval form, round trip", () => {
  assert.equal(formatIndexes(new Set([5, 0, 1, 2, 7, 8])), "0-2,5,7-8");
  assert.deepEqual([...parseIndexes("0-2,5,7-8")], [0, 1, 2, 5, 7, 8]);
  assert.equal(formatIndexes(new Set()), "");
  fc.assert(
    fc.property(fc.uniqueArray(fc.nat({ max: 200 }), { maxLength: 60 }), (xs) => {
      assert.deepEqual([...parseIndexes(formatIndexes(new Set(xs)))], [...xs].sort((a, b) => a - b));
    }),
  );
});
