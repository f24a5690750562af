import assert from "node:assert/strict";
import { test } from "node:test";
import { addDefaultTolerations } from "./default-tolerations.ts";

const seconds = { notReady: 2, unreachable: 3 };

test("a pod gets NoExecute tolerations for not-ready and unreachable with the default seconds", () => {
  const spec: Record<string, unknown> = { containers: [], tolerations: [{ key: "dedicated", operator: "Equal", value: "gpu", effect: "NoSchedule" }] };
  addDefaultTolerations(spec, seconds);
  assert.deepEqual(spec.tolerations, [
    { key: "dedicated", operator: "Equal", value: "gpu", effect: "NoSchedule" },
    { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 2 },
    { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 3 },
  ]);
});

test("a pod's own toleration of the taint is kept as it is", () => {
  const own = { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 600 };
  const spec: Record<string, unknown> = { tolerations: [own] };
  addDefaultTolerations(spec, seconds);
  assert.deepEqual(spec.tolerations, [own, { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 2 }]);
  const all: Record<string, unknown> = { tolerations: [{ operator: "Exists" }] };
  addDefaultTolerations(all, seconds);
  assert.deepEqual(all.tolerations, [{ operator: "Exists" }], "a toleration of every taint covers both");
});
