import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FitError, nodesAvailableMessage } from "./fit-error.ts";
import { unresolvable, unschedulable, withPlugin } from "./status.ts";

describe("the unschedulable message", () => {
  it("counts reasons and sorts them as kube-scheduler does", () => {
    const statuses = new Map([
      ["n1", unschedulable("Insufficient cpu")],
      ["n2", unresolvable("node(s) had taint {dedicated: gpu}, that the pod didn't tolerate")],
      ["n3", unschedulable("Insufficient cpu")],
    ]);
    assert.equal(
      new FitError(3, statuses).message,
      "0/3 nodes are available: 1 node(s) had taint {dedicated: gpu}, that the pod didn't tolerate, 2 Insufficient cpu.",
    );
  });

  it("counts every reason of a node and compares counts as strings", () => {
    const statuses = [
      ...Array.from({ length: 10 }, () => unschedulable("Insufficient cpu", "Insufficient memory")),
      unschedulable("Insufficient memory"),
      unresolvable("node(s) didn't match Pod's node affinity/selector"),
      unresolvable("node(s) didn't match Pod's node affinity/selector"),
    ];
    assert.equal(
      nodesAvailableMessage(13, statuses),
      "0/13 nodes are available: 10 Insufficient cpu, 11 Insufficient memory, 2 node(s) didn't match Pod's node affinity/selector.",
    );
  });

  it("has a form for no nodes at all, for a pre-filter rejection and for preemption", () => {
    assert.equal(nodesAvailableMessage(0, []), "no nodes available to schedule pods");
    assert.equal(nodesAvailableMessage(2, [], "node(s) didn't match pod affinity rules"), "0/2 nodes are available: node(s) didn't match pod affinity rules.");
    const e = new FitError(1, new Map([["n1", withPlugin(unschedulable("Insufficient cpu"), "NodeResourcesFit")]]));
    e.postFilterMessage = "preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.";
    assert.equal(e.describe(), "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.");
    assert.deepEqual([...e.rejectingPlugins()], ["NodeResourcesFit"]);
  });
});
