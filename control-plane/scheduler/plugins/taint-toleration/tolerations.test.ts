import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { noExecuteVerdict } from "./tolerations.ts";

const unreachable = { key: "node.kubernetes.io/unreachable", effect: "NoExecute" };
const notReady = { key: "node.kubernetes.io/not-ready", effect: "NoExecute" };

describe("NoExecute taints on a running pod", () => {
  it("evict at once when not tolerated", () => {
    assert.deepEqual(noExecuteVerdict([unreachable], []), { evict: "now" });
    assert.deepEqual(noExecuteVerdict([unreachable, notReady], [{ key: unreachable.key, operator: "Exists", effect: "NoExecute" }]), { evict: "now" });
  });

  it("evict after the smallest tolerationSeconds among matching tolerations", () => {
    const tolerations = [
      { key: unreachable.key, operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
      { key: notReady.key, operator: "Exists", effect: "NoExecute", tolerationSeconds: 5 },
    ];
    assert.deepEqual(noExecuteVerdict([unreachable, notReady], tolerations), { evict: "after", seconds: 5 });
    assert.deepEqual(noExecuteVerdict([unreachable], tolerations), { evict: "after", seconds: 300 });
  });

  it("never evict for tolerations without seconds, nor for other effects", () => {
    assert.deepEqual(noExecuteVerdict([unreachable], [{ operator: "Exists" }]), { evict: "never" });
    assert.deepEqual(noExecuteVerdict([{ key: "x", effect: "NoSchedule" }], []), { evict: "never" });
  });
});
