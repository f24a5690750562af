import assert from "node:assert/strict";
import { test } from "node:test";
import type { ApiError } from "../errors.ts";
import { bodyFormat, findDuplicateKeys, parseBody } from "./body.ts";

test("duplicate keys are found with their paths", () => {
  assert.deepEqual(findDuplicateKeys('{"a":1,"a":2}'), ["a"]);
  assert.deepEqual(findDuplicateKeys('{"spec":{"containers":[{"name":"x","image":"y","name":"z"}]}}'), ["spec.containers[0].name"]);
  assert.deepEqual(findDuplicateKeys('{"a":"{\\"a\\":1}","b":["a","a"],"c":{"a":1}}'), []);
  assert.deepEqual(findDuplicateKeys('{"l":[{"k":1},{"k":2,"k":3}]}'), ["l[1].k"]);
});

test("malformed bodies and wrong content types are Status errors", () => {
  assert.throws(() => parseBody(Buffer.from("{nope"), "json"), (e: ApiError) => e.code === 400);
  assert.throws(() => parseBody(Buffer.from("a: [b"), "yaml"), (e: ApiError) => e.code === 400);
  assert.deepEqual(parseBody(Buffer.from("a: 1\nb: [x]\n"), "yaml").value, { a: 1, b: ["x"] });
  assert.throws(() => bodyFormat("text/plain", ["json", "yaml"]), (e: ApiError) => e.code === 415);
  assert.equal(bodyFormat("application/json; charset=utf-8", ["json"]), "json");
});
