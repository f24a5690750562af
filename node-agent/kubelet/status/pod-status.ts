// A pod's status derived from what the engine shows, as kubelet's
// generateAPIPodStatus and getPhase do: container statuses with their
// states, phase by restart policy, and the four conditions. Pure: the
// runtime's view, probe results, waiting reasons and the clock are inputs.
import type { V1Container, V1ContainerState, V1ContainerStatus, V1Pod, V1PodCondition, V1PodStatus } from "@kubernetes/client-node";
import type { RuntimeContainer, RuntimePod } from "../runtime/pod-runtime.ts";

export interface Waiting {
  reason: string; // CrashLoopBackOff, ErrImageNeverPull, CreateContainerConfigError, ...
  message: string;
}

export interface StatusInput {
  pod: V1Pod;
  runtime: RuntimePod | undefined;
  hostIp: string;
  now: Date;
  // Set by the sync loop when a container cannot run now.
  waiting?: ReadonlyMap<string, Waiting>;
  // Probe results by container name; absent = no result yet.
  readiness?: ReadonlyMap<string, boolean>;
  startup?: ReadonlyMap<string, boolean>;
}

function terminated(c: RuntimeContainer): V1ContainerState {
  return {
    terminated: {
      exitCode: c.exitCode,
      reason: c.oomKilled ? "OOMKilled" : c.exitCode === 0 ? "Completed" : "Error",
      ...(c.error !== "" ? { message: c.error } : {}),
      ...(c.startedAt !== undefined ? { startedAt: c.startedAt } : {}),
      ...(c.finishedAt !== undefined ? { finishedAt: c.finishedAt } : {}),
      containerID: `docker://${c.id}`,
    },
  };
}

function attempts(runtime: RuntimePod | undefined, name: string, kind: "init" | "app"): RuntimeContainer[] {
  return (runtime?.containers ?? []).filter((c) => c.name === name && c.kind === kind).sort((a, b) => a.attempt - b.attempt);
}

function containerStatus(input: StatusInput, spec: V1Container, kind: "init" | "app", notYet: string): V1ContainerStatus {
  const all = attempts(input.runtime, spec.name, kind);
  const latest = all.at(-1);
  const previous = all.at(-2);
  const waiting = input.waiting?.get(spec.name);
  let state: V1ContainerState;
  let lastState: V1ContainerState = previous !== undefined && previous.state === "exited" ? terminated(previous) : {};
  if (waiting !== undefined) {
    state = { waiting: { reason: waiting.reason, message: waiting.message } };
    if (latest !== undefined && latest.state === "exited") lastState = terminated(latest);
  } else if (latest === undefined || latest.state === "created" || latest.state === "other") {
    state = { waiting: { reason: notYet } };
  } else if (latest.state === "running") {
    state = { running: latest.startedAt !== undefined ? { startedAt: latest.startedAt } : {} };
  } else {
    state = terminated(latest);
  }
  const running = state.running !== undefined;
  const started = running && (spec.startupProbe === undefined || input.startup?.get(spec.name) === true);
  const ready =
    kind === "init" ? state.terminated?.exitCode === 0 : started && (spec.readinessProbe === undefined || input.readiness?.get(spec.name) === true);
  return {
    name: spec.name,
    state,
    lastState,
    ready,
    started,
    restartCount: latest?.attempt ?? 0,
    image: spec.image ?? "",
    imageID: latest !== undefined ? `docker://${latest.imageId}` : "",
    ...(latest !== undefined ? { containerID: `docker://${latest.id}` } : {}),
  };
}

type Phase = "Pending" | "Running" | "Succeeded" | "Failed";

// kubelet's getPhase: a container waiting after a termination counts as
// stopped (it is crash-looping), not as waiting.
export function podPhase(pod: V1Pod, init: V1ContainerStatus[], apps: V1ContainerStatus[]): Phase {
  const restartPolicy = pod.spec?.restartPolicy ?? "Always";
  const initDone = init.every((s) => s.state?.terminated?.exitCode === 0);
  if (!initDone) {
    const initFailed = init.some(
      (s) => (s.state?.terminated !== undefined && s.state.terminated.exitCode !== 0) || (s.state?.waiting !== undefined && s.lastState?.terminated !== undefined),
    );
    return initFailed && restartPolicy === "Never" ? "Failed" : "Pending";
  }
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const s of apps) {
    if (s.state?.running !== undefined) running++;
    else if (s.state?.terminated !== undefined) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.lastState?.terminated !== undefined) stopped++;
    else waiting++;
  }
  if (waiting > 0) return "Pending";
  if (running > 0) return "Running";
  if (stopped > 0) {
    if (restartPolicy === "Always") return "Running";
    if (stopped === succeeded) return "Succeeded";
    if (restartPolicy === "Never") return "Failed";
    return "Running";
  }
  return "Pending";
}

function condition(
  previous: V1PodCondition[] | undefined,
  now: Date,
  type: string,
  ok: boolean,
  reason?: string,
  message?: string,
): V1PodCondition {
  const status = ok ? "True" : "False";
  const before = previous?.find((c) => c.type === type);
  const lastTransitionTime = before !== undefined && before.status === status && before.lastTransitionTime !== undefined ? before.lastTransitionTime : now;
  return { type, status, lastTransitionTime, ...(reason !== undefined ? { reason } : {}), ...(message !== undefined ? { message } : {}) };
}

function qosClass(pod: V1Pod): "Guaranteed" | "Burstable" | "BestEffort" {
  const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  const any = containers.some((c) => Object.keys(c.resources?.requests ?? {}).length + Object.keys(c.resources?.limits ?? {}).length > 0);
  if (!any) return "BestEffort";
  const guaranteed = containers.every((c) => {
    const limits = c.resources?.limits ?? {};
    const requests = c.resources?.requests ?? {};
    return ["cpu", "memory"].every((r) => limits[r] !== undefined && (requests[r] === undefined || String(requests[r]) === String(limits[r])));
  });
  return guaranteed ? "Guaranteed" : "Burstable";
}

export function derivePodStatus(input: StatusInput): V1PodStatus {
  const { pod, now } = input;
  const previous = pod.status?.conditions;
  const init = (pod.spec?.initContainers ?? []).map((c) => containerStatus(input, c, "init", "PodInitializing"));
  const initialized = init.every((s) => s.state?.terminated?.exitCode === 0);
  const apps = (pod.spec?.containers ?? []).map((c) => containerStatus(input, c, "app", initialized ? "ContainerCreating" : "PodInitializing"));
  const phase = podPhase(pod, init, apps);
  const incompleteInit = init.filter((s) => s.state?.terminated?.exitCode !== 0).map((s) => s.name);
  const unready = apps.filter((s) => !s.ready).map((s) => s.name);
  const done = phase === "Succeeded" || phase === "Failed";
  const readyReason = done ? "PodCompleted" : "ContainersNotReady";
  const readyMessage = done ? undefined : `containers with unready status: [${unready.join(" ")}]`;
  const conditions = [
    condition(previous, now, "Initialized", initialized, initialized ? undefined : "ContainersNotInitialized", initialized ? undefined : `containers with incomplete status: [${incompleteInit.join(" ")}]`),
    condition(previous, now, "Ready", unready.length === 0 && !done, unready.length === 0 && !done ? undefined : readyReason, unready.length === 0 && !done ? undefined : readyMessage),
    condition(previous, now, "ContainersReady", unready.length === 0 && !done, unready.length === 0 && !done ? undefined : readyReason, unready.length === 0 && !done ? undefined : readyMessage),
    condition(previous, now, "PodScheduled", true),
  ];
  const podIp = input.runtime?.podIp;
  return {
    phase,
    conditions,
    hostIP: input.hostIp,
    ...(podIp !== undefined ? { podIP: podIp, podIPs: [{ ip: podIp }] } : {}),
    startTime: pod.status?.startTime ?? now,
    ...(init.length > 0 ? { initContainerStatuses: init } : {}),
    containerStatuses: apps,
    qosClass: qosClass(pod),
  };
}
