import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { newPodInfo } from "../../framework/pod-info.ts";
import { Code, unresolvable } from "../../framework/status.ts";
import { CycleState } from "../../framework/types.ts";
import { cacheWith, makeNode, makePod } from "../../test-objects.ts";
import { VolumeBinding, volumeNodeConflictReason } from "./volume-binding.ts";

describe("VolumeBinding", () => {
  it("admits a pod whose claim is bound to a node-local volume only on that node; unbound claims fit anywhere", () => {
    const cache = cacheWith([makeNode("a"), makeNode("b")]);
    const plugin = new VolumeBinding({ nodeOfClaim: (ns, claim) => (ns === "default" && claim === "data-db-0" ? "b" : undefined) });
    const state = new CycleState();
    const pinned = makePod("db-0");
    pinned.spec!.volumes = [{ name: "data", persistentVolumeClaim: { claimName: "data-db-0" } }];
    assert.deepEqual(plugin.filter(state, newPodInfo(pinned), cache.nodeInfo("a")!), unresolvable(volumeNodeConflictReason));
    assert.equal(plugin.filter(state, newPodInfo(pinned), cache.nodeInfo("b")!).code, Code.Success);
    const unbound = makePod("db-1");
    unbound.spec!.volumes = [{ name: "data", persistentVolumeClaim: { claimName: "data-db-1" } }];
    assert.equal(plugin.filter(state, newPodInfo(unbound), cache.nodeInfo("a")!).code, Code.Success);
    assert.equal(plugin.filter(state, newPodInfo(makePod("plain")), cache.nodeInfo("a")!).code, Code.Success);
  });
});
