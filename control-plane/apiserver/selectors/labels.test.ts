import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { type Requirement, SelectorParseError, formatRequirements, matchesLabels, parseLabelSelector } from "./labels.ts";
import { matchesFields, parseFieldSelector } from "./fields.ts";

test("every operator kubectl users write", () => {
  const labels = { app: "web", tier: "fe", "example.com/role": "x" };
  const yes = ["app=web", "app==web", "app!=db", "tier in (fe,be)", "tier notin (be)", "app", "!missing", "example.com/role=x", "app=web,tier=fe", "missing!=x", ""];
  const no = ["app=db", "app!=web", "tier in (be)", "tier notin (fe, be)", "missing", "!app", "app=web,tier=be", "missing in (x)"];
  for (const s of yes) assert.equal(matchesLabels(parseLabelSelector(s), labels), true, s);
  for (const s of no) assert.equal(matchesLabels(parseLabelSelector(s), labels), false, s);
});

test("malformed selectors are refused", () => {
  for (const s of ["app=we b", "a in (x", "=x", ",", "bad key=x", "a in ()"]) assert.throws(() => parseLabelSelector(s), SelectorParseError, s);
});

test("field selectors", () => {
  const getters = { "metadata.name": (o: Record<string, unknown>) => (o.metadata as { name: string }).name };
  const obj = { metadata: { name: "p1" } };
  assert.equal(matchesFields(parseFieldSelector("metadata.name=p1"), getters, obj), true);
  assert.equal(matchesFields(parseFieldSelector("metadata.name!=p1"), getters, obj), false);
  assert.equal(matchesFields(parseFieldSelector("metadata.name==p2"), getters, obj), false);
});

const name = fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/);
const requirement: fc.Arbitrary<Requirement> = fc.oneof(
  fc.record({ key: name, op: fc.constantFrom("in" as const, "notin" as const), values: fc.uniqueArray(name, { minLength: 1, maxLength: 3 }) }),
  fc.record({ key: name, op: fc.constantFrom("exists" as const, "notexists" as const) }),
);

test("property: formatting then parsing a selector gives the same requirements and the same matches", () => {
  fc.assert(
    fc.property(fc.array(requirement, { maxLength: 4 }), fc.dictionary(name, name, { maxKeys: 4 }), (reqs, labels) => {
      const parsed = parseLabelSelector(formatRequirements(reqs));
      assert.deepEqual(parsed, JSON.parse(JSON.stringify(reqs)));
      assert.equal(matchesLabels(parsed, labels), matchesLabels(reqs, labels));
    }),
  );
});
