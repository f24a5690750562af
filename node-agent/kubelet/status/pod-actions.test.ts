import assert from "node:assert/strict";
import { test } from "node:test";
import type { V1Pod } from "@kubernetes/client-node";
import type { RuntimeContainer, RuntimePod } from "../runtime/pod-runtime.ts";
import { RestartBackoff } from "./backoff.ts";
import { computePodActions, type PodAction } from "./pod-actions.ts";

const T = 1_000_000_000;

function c(name: string, kind: "init" | "app", attempt: number, state: RuntimeContainer["state"], exitCode = 0, finishedAt = T): RuntimeContainer {
  return { id: `${name}-${attempt}`, name, kind, attempt, image: "i", imageId: "x", state, exitCode, finishedAt: new Date(finishedAt), oomKilled: false, error: "" };
}
function rt(containers: RuntimeContainer[], infraState: RuntimeContainer["state"] = "running"): RuntimePod {
  return { uid: "u", name: "p", namespace: "ns", podIp: "10.0.0.5", infra: c("POD", "app", 0, infraState), containers };
}
function pod(restartPolicy: string, init: string[] = [], apps: string[] = ["web"]): V1Pod {
  return {
    metadata: { name: "p", namespace: "ns", uid: "u" },
    spec: { restartPolicy, initContainers: init.map((name) => ({ name, image: "i" })), containers: apps.map((name) => ({ name, image: "i" })) },
  };
}
const brief = (a: PodAction): string =>
  a.type === "start-container" ? `start ${a.kind} ${a.container.name} #${a.attempt}` : a.type === "kill-container" ? `kill ${a.name}` : a.type;

test("nothing there: start the pod; infra dead: recreate it", () => {
  const b = new RestartBackoff();
  assert.deepEqual(computePodActions(pod("Always"), undefined, b, T).actions.map(brief), ["start-pod"]);
  assert.deepEqual(computePodActions(pod("Always"), rt([c("web", "app", 0, "exited", 137)], "exited"), b, T).actions.map(brief), ["recreate-pod"]);
  assert.deepEqual(computePodActions(pod("Never"), rt([c("web", "app", 0, "exited", 0)], "exited"), b, T).actions.map(brief), [], "a finished Never pod stays down");
});

test("init containers one at a time, then every app container", () => {
  const b = new RestartBackoff();
  const p = pod("Always", ["a", "b"], ["web", "side"]);
  assert.deepEqual(computePodActions(p, rt([]), b, T).actions.map(brief), ["start init a #0"]);
  assert.deepEqual(computePodActions(p, rt([c("a", "init", 0, "running")]), b, T).actions.map(brief), []);
  assert.deepEqual(computePodActions(p, rt([c("a", "init", 0, "exited", 0)]), b, T).actions.map(brief), ["start init b #0"]);
  assert.deepEqual(computePodActions(p, rt([c("a", "init", 0, "exited", 0), c("b", "init", 0, "exited", 0)]), b, T).actions.map(brief), [
    "start app web #0",
    "start app side #0",
  ]);
});

test("a failed init container is retried with back-off, except with restartPolicy Never", () => {
  const failed = rt([c("a", "init", 0, "exited", 1)]);
  assert.deepEqual(computePodActions(pod("Never", ["a"]), failed, new RestartBackoff(), T).actions.map(brief), []);
  assert.deepEqual(computePodActions(pod("OnFailure", ["a"]), failed, new RestartBackoff(), T).actions.map(brief), ["start init a #1"]);
});

test("restart policy decides which exits restart", () => {
  const ok = rt([c("web", "app", 0, "exited", 0)]);
  const bad = rt([c("web", "app", 0, "exited", 2)]);
  const plans = (policy: string) => [ok, bad].map((r) => computePodActions(pod(policy), r, new RestartBackoff(), T).actions.map(brief));
  assert.deepEqual(plans("Always"), [["start app web #1"], ["start app web #1"]]);
  assert.deepEqual(plans("OnFailure"), [[], ["start app web #1"]]);
  assert.deepEqual(plans("Never"), [[], []]);
});

test("CrashLoopBackOff: restart at once, then wait 10 s, 20 s, ... with kubelet's message", () => {
  const b = new RestartBackoff();
  const p = pod("Always");
  let finished = T;
  const waits: number[] = [];
  for (let attempt = 0; attempt < 5; attempt++) {
    const r = rt([c("web", "app", attempt, "exited", 1, finished)]);
    let now = finished + 1;
    let plan = computePodActions(p, r, b, now);
    if (attempt > 0) {
      assert.deepEqual(plan.actions, []);
      const w = plan.waiting.get("web");
      assert.equal(w?.reason, "CrashLoopBackOff");
      assert.equal(w?.message, `back-off ${10 * 2 ** (attempt - 1)}s restarting failed container=web pod=p_ns(u)`);
      waits.push(plan.wakeAt! - finished);
      now = plan.wakeAt!;
      plan = computePodActions(p, r, b, now);
    }
    assert.deepEqual(plan.actions.map(brief), [`start app web #${attempt + 1}`]);
    finished = now + 500; // it crashes again half a second later
  }
  assert.deepEqual(waits, [10_000, 20_000, 40_000, 80_000]);
});

test("a failed liveness probe kills the running container", () => {
  const plan = computePodActions(pod("Always"), rt([c("web", "app", 0, "running")]), new RestartBackoff(), T, new Set(["web"]));
  assert.deepEqual(plan.actions.map(brief), ["kill web"]);
});
