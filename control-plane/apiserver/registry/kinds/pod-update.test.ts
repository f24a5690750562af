import assert from "node:assert/strict";
import { test } from "node:test";
import { validatePodSpecUpdate } from "./pod-update.ts";

const spec = (): Record<string, unknown> => ({
  containers: [{ name: "c", image: "a:1", env: [{ name: "E", value: "1" }] }],
  restartPolicy: "Always",
  terminationGracePeriodSeconds: 30,
  tolerations: [{ key: "k", operator: "Exists" }],
});

function forbidden(change: (s: Record<string, unknown>) => void, old = spec()): string | undefined {
  const next = structuredClone(old);
  change(next);
  const causes = validatePodSpecUpdate(next, old);
  if (causes.length === 0) return undefined;
  assert.equal(causes.length, 1);
  assert.equal(causes[0]!.reason, "FieldValueForbidden");
  assert.equal(causes[0]!.field, "spec");
  assert.match(causes[0]!.message, /^Forbidden: pod updates may not change fields other than `spec\.containers\[\*\]\.image`/);
  return causes[0]!.message;
}

test("a pod update may change images, add tolerations, set activeDeadlineSeconds and bind once", () => {
  assert.equal(forbidden(() => undefined), undefined);
  assert.equal(forbidden((s) => ((s.containers as { image: string }[])[0]!.image = "a:2")), undefined);
  assert.equal(forbidden((s) => (s.tolerations as unknown[]).push({ key: "other", operator: "Exists" })), undefined);
  assert.equal(forbidden((s) => (s.activeDeadlineSeconds = 60)), undefined);
  assert.equal(forbidden((s) => (s.nodeName = "n1")), undefined);
  assert.equal(forbidden((s) => (s.initContainers = undefined)), undefined);
  const negative = { ...spec(), terminationGracePeriodSeconds: -1 };
  assert.equal(forbidden((s) => (s.terminationGracePeriodSeconds = 1), negative), undefined);
});

test("any other change to a pod's spec is forbidden, naming what changed", () => {
  assert.match(forbidden((s) => (s.restartPolicy = "Never"))!, /\(changed: spec\.restartPolicy\)$/);
  assert.match(forbidden((s) => ((s.containers as { env: unknown[] }[])[0]!.env = []))!, /changed: spec\.containers/);
  assert.match(forbidden((s) => (s.containers as unknown[]).push({ name: "d", image: "b" }))!, /changed: spec\.containers/);
  assert.match(forbidden((s) => (s.tolerations = []))!, /changed: spec\.tolerations/);
  assert.match(forbidden((s) => (s.terminationGracePeriodSeconds = 5))!, /changed: spec\.terminationGracePeriodSeconds/);
  assert.match(forbidden((s) => (s.nodeName = "n2"), { ...spec(), nodeName: "n1" })!, /changed: spec\.nodeName/);
  assert.match(forbidden((s) => delete s.activeDeadlineSeconds, { ...spec(), activeDeadlineSeconds: 9 })!, /changed: spec\.activeDeadlineSeconds/);
});
