import assert from "node:assert/strict";
import { test } from "node:test";
import type { V1PodTemplateSpec } from "@kubernetes/client-node";
import { equalIgnoringHash, templateHash } from "./template-hash.ts";

const template = (image: string, extra: Record<string, unknown> = {}): V1PodTemplateSpec =>
  ({ metadata: { labels: { app: "web" }, ...extra }, spec: { containers: [{ name: "c", image }] } }) as V1PodTemplateSpec;

test("templates equal apart from the hash label, key order, and null or empty fields (as kubectl's rollback writes them)", () => {
  const rsTemplate = template("demo:1");
  rsTemplate.metadata!.labels!["pod-template-hash"] = "abc";
  assert.ok(equalIgnoringHash(rsTemplate, template("demo:1", { creationTimestamp: null })));
  assert.ok(equalIgnoringHash(template("demo:1", { annotations: {} }), template("demo:1")));
  assert.ok(!equalIgnoringHash(template("demo:1"), template("demo:2")));
  assert.equal(templateHash(template("demo:1", { creationTimestamp: null })), templateHash(template("demo:1")));
});

test("the hash is made of kube's safe characters and changes with the collision count", () => {
  const h = templateHash(template("demo:1"));
  assert.match(h, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  assert.notEqual(templateHash(template("demo:1"), 1), h);
  assert.equal(templateHash(template("demo:1")), h, "stable");
});
