// What the sync loop must do next for one pod, as kubelet's
// computePodActions: start the pod (infra), recreate it when its infra
// died, run init containers one at a time, start or restart app containers
// by restart policy with crash-loop back-off, kill containers whose
// liveness failed. Pure: it decides, the runtime acts.
import type { V1Container, V1Pod } from "@kubernetes/client-node";
import type { RuntimeContainer, RuntimePod } from "../runtime/pod-runtime.ts";
import type { RestartBackoff } from "./backoff.ts";
import type { Waiting } from "./pod-status.ts";

export type PodAction =
  | { type: "start-pod" }
  | { type: "recreate-pod"; reason: string }
  | { type: "start-container"; container: V1Container; kind: "init" | "app"; attempt: number }
  | { type: "kill-container"; id: string; name: string; reason: string };

export interface PodPlan {
  actions: PodAction[];
  waiting: Map<string, Waiting>; // containers held back, for the status
  wakeAt?: number; // when a back-off ends: sync again then
}

function latestOf(runtime: RuntimePod, name: string, kind: "init" | "app"): RuntimeContainer | undefined {
  let latest: RuntimeContainer | undefined;
  for (const c of runtime.containers) if (c.name === name && c.kind === kind && (latest === undefined || c.attempt > latest.attempt)) latest = c;
  return latest;
}

export function backoffKey(pod: V1Pod, container: string): string {
  return `${pod.metadata?.uid ?? ""}/${container}`;
}

export function computePodActions(
  pod: V1Pod,
  runtime: RuntimePod | undefined,
  backoff: RestartBackoff,
  now: number,
  livenessFailed: ReadonlySet<string> = new Set(),
): PodPlan {
  const plan: PodPlan = { actions: [], waiting: new Map() };
  const policy = pod.spec?.restartPolicy ?? "Always";
  if (runtime?.infra === undefined) {
    plan.actions.push({ type: "start-pod" });
    return plan;
  }
  if (runtime.infra.state !== "running") {
    // App containers lost their network with it and never get it back.
    const anyLeft = runtime.containers.some((c) => c.state === "running");
    const finished = policy === "Never" && !anyLeft && runtime.containers.length > 0;
    if (!finished) plan.actions.push({ type: "recreate-pod", reason: "the pod's infra container is not running" });
    return plan;
  }
  const restart = (spec: V1Container, kind: "init" | "app", last: RuntimeContainer): void => {
    const key = backoffKey(pod, spec.name);
    const finishedAt = last.finishedAt?.getTime() ?? now;
    const until = backoff.waitUntil(key, finishedAt, now);
    if (until !== undefined) {
      const delay = Math.round((backoff.delayMs(key) ?? 0) / 1000);
      const m = pod.metadata ?? {};
      plan.waiting.set(spec.name, {
        reason: "CrashLoopBackOff",
        message: `back-off ${delay}s restarting failed container=${spec.name} pod=${m.name ?? ""}_${m.namespace ?? "default"}(${m.uid ?? ""})`,
      });
      plan.wakeAt = Math.min(plan.wakeAt ?? Infinity, until);
      return;
    }
    backoff.next(key, finishedAt);
    plan.actions.push({ type: "start-container", container: spec, kind, attempt: last.attempt + 1 });
  };

  for (const init of pod.spec?.initContainers ?? []) {
    const last = latestOf(runtime, init.name, "init");
    if (last === undefined) {
      plan.actions.push({ type: "start-container", container: init, kind: "init", attempt: 0 });
      return plan;
    }
    if (last.state === "exited" && last.exitCode === 0) continue;
    // Init containers restart on failure unless the policy is Never.
    if (last.state === "exited" && policy !== "Never") restart(init, "init", last);
    return plan;
  }
  for (const app of pod.spec?.containers ?? []) {
    const last = latestOf(runtime, app.name, "app");
    if (last === undefined) {
      plan.actions.push({ type: "start-container", container: app, kind: "app", attempt: 0 });
    } else if (last.state === "running") {
      if (livenessFailed.has(app.name)) plan.actions.push({ type: "kill-container", id: last.id, name: app.name, reason: "liveness probe failed" });
    } else if (last.state === "exited") {
      const again = policy === "Always" || (policy === "OnFailure" && last.exitCode !== 0);
      if (again) restart(app, "app", last);
    }
  }
  return plan;
}
