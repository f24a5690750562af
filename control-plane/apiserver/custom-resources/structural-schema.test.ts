import assert from "node:assert/strict";
import { test } from "node:test";
import { evaluateJsonPath, parseJsonPath, setJsonPath } from "./json-path.ts";
import { type JsonSchema, applyDefaults, pruneUnknown, validateValue } from "./structural-schema.ts";

const schema: JsonSchema = {
  type: "object",
  properties: {
    spec: {
      type: "object",
      properties: {
        size: { type: "integer", minimum: 1, exclusiveMaximum: true, maximum: 5, default: 2 },
        labels: { type: "object", additionalProperties: { type: "string" } },
        items: { type: "array", items: { type: "object", properties: { name: { type: "string" } }, required: ["name"] } },
        port: { "x-kubernetes-int-or-string": true },
        note: { type: "string", nullable: true },
      },
    },
  },
};

test("pruning keeps declared fields, maps and metadata, and reports the rest", () => {
  const obj = { apiVersion: "a/v1", kind: "K", metadata: { name: "x", labels: { a: "b" } }, spec: { labels: { k: "v" }, items: [{ name: "n", junk: 1 }], other: true }, top: 1 };
  assert.deepEqual(pruneUnknown(obj, schema).sort(), ["spec.items[0].junk", "spec.other", "top"]);
  assert.deepEqual(obj, { apiVersion: "a/v1", kind: "K", metadata: { name: "x", labels: { a: "b" } }, spec: { labels: { k: "v" }, items: [{ name: "n" }] } });
});

test("defaults fill absent fields of present objects only", () => {
  const withSpec = { spec: {} as Record<string, unknown> };
  applyDefaults(withSpec, schema);
  assert.equal(withSpec.spec.size, 2);
  const without: Record<string, unknown> = {};
  applyDefaults(without, schema);
  assert.deepEqual(without, {});
});

test("validation messages name the field as Kubernetes does", () => {
  const messages = (spec: unknown): string[] => validateValue({ spec }, schema).map((c) => `${c.field ?? ""}: ${c.message}`);
  assert.deepEqual(messages({ size: 0 }), ["spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1"]);
  assert.deepEqual(messages({ size: 5 }), ["spec.size: Invalid value: 5: spec.size in body should be less than 5"]);
  assert.deepEqual(messages({ items: [{}] }), ["spec.items[0].name: Required value"]);
  assert.deepEqual(messages({ labels: { a: 1 } }), ['spec.labels.a: Invalid value: "integer": spec.labels.a in body must be of type string: "integer"']);
  assert.deepEqual(messages({ port: 80, note: null }), []);
  assert.deepEqual(messages({ port: "http" }), []);
  assert.equal(messages({ port: true }).length, 1);
  assert.deepEqual(messages({ size: 1.5 }), ['spec.size: Invalid value: "number": spec.size in body must be of type integer: "number"']);
});

test("printer-column JSONPath: fields, indexes, filters", () => {
  const obj = { status: { conditions: [{ type: "A", status: "False" }, { type: "Ready", status: "True" }], items: [{ n: 1 }] } };
  assert.equal(evaluateJsonPath(parseJsonPath('.status.conditions[?(@.type=="Ready")].status'), obj), "True");
  assert.equal(evaluateJsonPath(parseJsonPath("{.status.items[0].n}"), obj), 1);
  assert.equal(evaluateJsonPath(parseJsonPath(".status.missing.deeper"), obj), undefined);
  const target: Record<string, unknown> = {};
  setJsonPath(parseJsonPath(".spec.replicas"), target, 3);
  assert.deepEqual(target, { spec: { replicas: 3 } });
  assert.throws(() => parseJsonPath(".spec[*]"));
});
