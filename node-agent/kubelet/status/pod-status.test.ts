import assert from "node:assert/strict";
import { test } from "node:test";
import type { V1Pod } from "@kubernetes/client-node";
import type { RuntimeContainer, RuntimePod } from "../runtime/pod-runtime.ts";
import { derivePodStatus, type StatusInput } from "./pod-status.ts";

const now = new Date("2026-11-23T17:00:00Z");
const t = (s: number): Date => new Date(now.getTime() - s * 1000);

function pod(spec: Partial<NonNullable<V1Pod["spec"]>>, status?: V1Pod["status"]): V1Pod {
  return { metadata: { name: "p", namespace: "default", uid: "u" }, spec: { containers: [], ...spec }, ...(status !== undefined ? { status } : {}) };
}

function c(name: string, kind: "init" | "app", attempt: number, state: RuntimeContainer["state"], exitCode = 0, extra: Partial<RuntimeContainer> = {}): RuntimeContainer {
  return {
    id: `${name}-${attempt}`,
    name,
    kind,
    attempt,
    image: "img",
    imageId: "sha256:abc",
    state,
    exitCode,
    startedAt: t(60),
    ...(state === "exited" ? { finishedAt: t(30) } : {}),
    oomKilled: false,
    error: "",
    ...extra,
  };
}

function rt(containers: RuntimeContainer[]): RuntimePod {
  return { uid: "u", name: "p", namespace: "default", podIp: "10.244.1.5", infra: c("POD", "app", 0, "running"), containers };
}

function status(input: Partial<StatusInput> & { pod: V1Pod }) {
  return derivePodStatus({ runtime: undefined, hostIp: "10.77.0.21", now, ...input });
}

const cond = (s: ReturnType<typeof status>, type: string) => s.conditions?.find((x) => x.type === type);

test("a running pod without probes is Running and Ready, with IPs and container details", () => {
  const s = status({ pod: pod({ containers: [{ name: "web", image: "img" }] }), runtime: rt([c("web", "app", 0, "running")]) });
  assert.equal(s.phase, "Running");
  assert.equal(s.podIP, "10.244.1.5");
  assert.deepEqual(s.podIPs, [{ ip: "10.244.1.5" }]);
  assert.equal(s.hostIP, "10.77.0.21");
  assert.equal(s.qosClass, "BestEffort");
  const web = s.containerStatuses![0]!;
  assert.deepEqual(web.state, { running: { startedAt: t(60) } });
  assert.equal(web.ready, true);
  assert.equal(web.started, true);
  assert.equal(web.containerID, "docker://web-0");
  assert.equal(web.imageID, "docker://sha256:abc");
  for (const type of ["PodScheduled", "Initialized", "ContainersReady", "Ready"]) assert.equal(cond(s, type)?.status, "True", type);
});

test("readiness and startup results gate ready and started", () => {
  const spec = pod({ containers: [{ name: "web", image: "img", readinessProbe: { tcpSocket: { port: 80 } }, startupProbe: { tcpSocket: { port: 80 } } }] });
  const runtime = rt([c("web", "app", 0, "running")]);
  let s = status({ pod: spec, runtime });
  assert.equal(s.containerStatuses![0]!.started, false);
  assert.equal(s.containerStatuses![0]!.ready, false);
  assert.equal(cond(s, "Ready")?.status, "False");
  assert.equal(cond(s, "Ready")?.reason, "ContainersNotReady");
  assert.equal(cond(s, "Ready")?.message, "containers with unready status: [web]");
  s = status({ pod: spec, runtime, startup: new Map([["web", true]]) });
  assert.equal(s.containerStatuses![0]!.started, true);
  assert.equal(s.containerStatuses![0]!.ready, false);
  s = status({ pod: spec, runtime, startup: new Map([["web", true]]), readiness: new Map([["web", true]]) });
  assert.equal(s.containerStatuses![0]!.ready, true);
  assert.equal(cond(s, "ContainersReady")?.status, "True");
});

test("init containers: Pending and PodInitializing until all complete, in order", () => {
  const spec = pod({ initContainers: [{ name: "a", image: "i" }, { name: "b", image: "i" }], containers: [{ name: "web", image: "img" }] });
  const s = status({ pod: spec, runtime: rt([c("a", "init", 0, "exited", 0), c("b", "init", 0, "running")]) });
  assert.equal(s.phase, "Pending");
  assert.equal(cond(s, "Initialized")?.status, "False");
  assert.equal(cond(s, "Initialized")?.reason, "ContainersNotInitialized");
  assert.equal(cond(s, "Initialized")?.message, "containers with incomplete status: [b]");
  assert.deepEqual(s.containerStatuses![0]!.state, { waiting: { reason: "PodInitializing" } });
  assert.equal(s.initContainerStatuses![0]!.state?.terminated?.reason, "Completed");
  assert.equal(s.initContainerStatuses![0]!.ready, true);
});

test("a failed init container fails the pod only with restartPolicy Never", () => {
  const runtime = rt([c("a", "init", 0, "exited", 2)]);
  const base = { initContainers: [{ name: "a", image: "i" }], containers: [{ name: "web", image: "img" }] };
  assert.equal(status({ pod: pod({ ...base, restartPolicy: "Never" }), runtime }).phase, "Failed");
  assert.equal(status({ pod: pod({ ...base, restartPolicy: "Always" }), runtime }).phase, "Pending");
  assert.equal(status({ pod: pod({ ...base, restartPolicy: "OnFailure" }), runtime }).phase, "Pending");
});

test("crash loop: waiting CrashLoopBackOff, lastState the last termination, restartCount from attempts; phase by policy", () => {
  const spec = (restartPolicy: string) => pod({ restartPolicy, containers: [{ name: "web", image: "img" }] });
  const runtime = rt([c("web", "app", 2, "exited", 1), c("web", "app", 1, "exited", 1)]);
  const waiting = new Map([["web", { reason: "CrashLoopBackOff", message: "back-off 20s restarting failed container=web pod=p_default(u)" }]]);
  const s = status({ pod: spec("Always"), runtime, waiting });
  const web = s.containerStatuses![0]!;
  assert.equal(web.restartCount, 2);
  assert.deepEqual(web.state, { waiting: waiting.get("web") });
  assert.equal(web.lastState?.terminated?.exitCode, 1);
  assert.equal(web.lastState?.terminated?.reason, "Error");
  assert.equal(web.lastState?.terminated?.containerID, "docker://web-2");
  assert.equal(web.ready, false);
  assert.equal(s.phase, "Running");
  assert.equal(status({ pod: spec("OnFailure"), runtime, waiting }).phase, "Running");
});

test("terminated containers: Succeeded, Failed, OOMKilled; Ready False with PodCompleted", () => {
  const spec = (restartPolicy: string) => pod({ restartPolicy, containers: [{ name: "a", image: "i" }, { name: "b", image: "i" }] });
  const ok = rt([c("a", "app", 0, "exited", 0), c("b", "app", 0, "exited", 0)]);
  const bad = rt([c("a", "app", 0, "exited", 0), c("b", "app", 0, "exited", 137, { oomKilled: true })]);
  const s = status({ pod: spec("Never"), runtime: ok });
  assert.equal(s.phase, "Succeeded");
  assert.equal(cond(s, "Ready")?.reason, "PodCompleted");
  assert.equal(status({ pod: spec("OnFailure"), runtime: ok }).phase, "Succeeded");
  assert.equal(status({ pod: spec("Always"), runtime: ok }).phase, "Running");
  const failed = status({ pod: spec("Never"), runtime: bad });
  assert.equal(failed.phase, "Failed");
  assert.equal(failed.containerStatuses![1]!.state?.terminated?.reason, "OOMKilled");
  assert.equal(status({ pod: spec("OnFailure"), runtime: bad }).phase, "Running");
});

test("a missing image keeps the pod Pending with the reason; nothing started is ContainerCreating", () => {
  const spec = pod({ containers: [{ name: "a", image: "nope" }, { name: "b", image: "i" }] });
  const waiting = new Map([["a", { reason: "ErrImageNeverPull", message: 'Container image "nope" is not present with pull policy of Never' }]]);
  const s = status({ pod: spec, runtime: rt([]), waiting });
  assert.equal(s.phase, "Pending");
  assert.equal(s.containerStatuses![0]!.state?.waiting?.reason, "ErrImageNeverPull");
  assert.deepEqual(s.containerStatuses![1]!.state, { waiting: { reason: "ContainerCreating" } });
});

test("condition transition times are kept while the status does not change", () => {
  const spec = pod({ containers: [{ name: "web", image: "img" }] });
  const first = status({ pod: spec, runtime: rt([c("web", "app", 0, "running")]) });
  const later = new Date(now.getTime() + 60_000);
  const again = derivePodStatus({ pod: { ...spec, status: first }, runtime: rt([c("web", "app", 0, "running")]), hostIp: "h", now: later });
  assert.deepEqual(cond(again, "Ready")?.lastTransitionTime, now);
  assert.deepEqual(again.startTime, now);
  const down = derivePodStatus({ pod: { ...spec, status: first }, runtime: rt([c("web", "app", 0, "exited", 1)]), hostIp: "h", now: later });
  assert.deepEqual(cond(down, "Ready")?.lastTransitionTime, later);
});

test("QoS class from requests and limits", () => {
  const g = pod({ containers: [{ name: "a", image: "i", resources: { limits: { cpu: "1", memory: "1Gi" } } }] });
  const b = pod({ containers: [{ name: "a", image: "i", resources: { requests: { cpu: "1" } } }] });
  assert.equal(status({ pod: g }).qosClass, "Guaranteed");
  assert.equal(status({ pod: b }).qosClass, "Burstable");
});
