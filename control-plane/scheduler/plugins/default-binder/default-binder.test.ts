import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { newPodInfo } from "../../framework/pod-info.ts";
import { Code } from "../../framework/status.ts";
import type { Pod } from "../../kube-types.ts";
import { makePod } from "../../test-objects.ts";
import { DefaultBinder } from "./default-binder.ts";

describe("DefaultBinder", () => {
  it("binds through the cluster's binder and turns a refusal into an Error status", async () => {
    const calls: string[] = [];
    const binder = new DefaultBinder({
      bind: async (pod: Pod, nodeName: string) => {
        calls.push(`${pod.metadata?.name}->${nodeName}`);
        if (nodeName === "gone") throw new Error('nodes "gone" not found');
      },
    });
    assert.equal((await binder.bind(newPodInfo(makePod("p")), "a")).code, Code.Success);
    const failed = await binder.bind(newPodInfo(makePod("p")), "gone");
    assert.equal(failed.code, Code.Error);
    assert.deepEqual(failed.reasons, ['nodes "gone" not found']);
    assert.deepEqual(calls, ["p->a", "p->gone"]);
  });
});
