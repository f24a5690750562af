import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Code, errorStatus, isRejected, isSuccess, success, unresolvable, unschedulable, withPlugin } from "./status.ts";

describe("status", () => {
  it("classifies codes", () => {
    assert.equal(isSuccess(success), true);
    assert.equal(isRejected(success), false);
    assert.equal(isRejected(unschedulable("Insufficient cpu")), true);
    assert.equal(isRejected(unresolvable("node(s) didn't match the requested node name")), true);
    assert.equal(isRejected(errorStatus("boom")), false);
    assert.equal(isSuccess(errorStatus("boom")), false);
  });

  it("keeps every reason and records the plugin", () => {
    const s = withPlugin(unschedulable("Insufficient cpu", "Insufficient memory"), "NodeResourcesFit");
    assert.deepEqual(s, { code: Code.Unschedulable, reasons: ["Insufficient cpu", "Insufficient memory"], plugin: "NodeResourcesFit" });
  });
});
