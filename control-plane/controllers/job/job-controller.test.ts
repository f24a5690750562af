import assert from "node:assert/strict";
import { test } from "node:test";
import type { V1Job, V1JobSpec } from "@kubernetes/client-node";
import { FakeClock } from "../clock.ts";
import { FakeApi } from "../fake-api.ts";
import { controllerRefOf } from "../owners.ts";
import { settle } from "../test-support.ts";
import { JobController } from "./job-controller.ts";

function setup(): { clock: FakeClock; api: FakeApi; jc: JobController } {
  const clock = new FakeClock();
  const api = new FakeApi(clock);
  let seed = 7;
  const random = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  return { clock, api, jc: new JobController(api, { clock, random }) };
}

function job(name: string, spec: Partial<V1JobSpec> = {}, restartPolicy = "Never"): V1Job {
  const labels = { "job-name": name, "controller-uid": `uid-${name}` };
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, namespace: "default" },
    spec: {
      completions: 1,
      parallelism: 1,
      backoffLimit: 6,
      selector: { matchLabels: { "controller-uid": `uid-${name}` } },
      template: { metadata: { labels }, spec: { restartPolicy, containers: [{ name: "c", image: "skiff/node-base" }] } },
      ...spec,
    },
  };
}

const podsOf = (api: FakeApi, name: string): string[] =>
  api
    .storedList("pods")
    .filter((p) => controllerRefOf(p)?.name === name)
    .map((p) => p.metadata!.name!)
    .sort();

const activeOf = (api: FakeApi, name: string): string[] =>
  podsOf(api, name).filter((p) => {
    const phase = api.stored("pods", "default", p)!.status?.phase;
    return phase !== "Succeeded" && phase !== "Failed";
  });

function finish(api: FakeApi, pod: string, phase: "Succeeded" | "Failed"): void {
  api.mutate("pods", "default", pod, (p) => (p.status = { phase }));
}

const conditionOf = (api: FakeApi, name: string): string =>
  (api.stored("jobs", "default", name)!.status?.conditions ?? []).map((c) => `${c.type}=${c.status}:${c.reason ?? ""}`).join(",");

test("runs parallelism pods at a time until completions succeeded, then Complete with counts and times", async () => {
  const { api, jc, clock } = setup();
  const created = api.seed("jobs", job("pi", { completions: 3, parallelism: 2 }));
  await settle([jc]);
  const first = activeOf(api, "pi");
  assert.equal(first.length, 2);
  const pod = api.stored("pods", "default", first[0]!)!;
  assert.match(pod.metadata!.name!, /^pi-[a-z0-9]{5}$/);
  assert.deepEqual(pod.metadata?.labels, { "job-name": "pi", "controller-uid": "uid-pi" });
  assert.deepEqual(controllerRefOf(pod), { apiVersion: "batch/v1", kind: "Job", name: "pi", uid: created.metadata!.uid, controller: true, blockOwnerDeletion: true });
  let status = api.stored("jobs", "default", "pi")!.status!;
  assert.equal(status.active, 2);
  assert.ok(status.startTime !== undefined);
  clock.advance(5000);
  finish(api, first[0]!, "Succeeded");
  finish(api, first[1]!, "Succeeded");
  await settle([jc]);
  assert.equal(activeOf(api, "pi").length, 1, "only one completion remains, so only one more pod");
  status = api.stored("jobs", "default", "pi")!.status!;
  assert.deepEqual([status.active, status.succeeded, status.failed], [1, 2, 0]);
  finish(api, activeOf(api, "pi")[0]!, "Succeeded");
  await settle([jc]);
  status = api.stored("jobs", "default", "pi")!.status!;
  assert.deepEqual([status.active, status.succeeded, status.failed], [0, 3, 0]);
  assert.equal(conditionOf(api, "pi"), "Complete=True:CompletionsReached");
  assert.ok(status.completionTime !== undefined);
  assert.equal(podsOf(api, "pi").length, 3, "a finished Job keeps its pods");
  await settle([jc]);
  assert.equal(podsOf(api, "pi").length, 3, "and makes no more");
});

test("restartPolicy Never: a failed pod is replaced after the backoff and counted; past backoffLimit the Job fails", async () => {
  const { api, jc, clock } = setup();
  api.seed("jobs", job("bad", { backoffLimit: 1 }));
  await settle([jc]);
  finish(api, activeOf(api, "bad")[0]!, "Failed");
  await settle([jc]);
  assert.equal(activeOf(api, "bad").length, 0, "the replacement waits 10 s after the failure");
  clock.advance(10_000);
  await settle([jc]);
  assert.equal(activeOf(api, "bad").length, 1, "a new pod replaces the failed one");
  assert.equal(api.stored("jobs", "default", "bad")!.status?.failed, 1);
  assert.equal(conditionOf(api, "bad"), "");
  finish(api, activeOf(api, "bad")[0]!, "Failed");
  await settle([jc]);
  assert.equal(conditionOf(api, "bad"), "Failed=True:BackoffLimitExceeded");
  assert.equal(api.stored("jobs", "default", "bad")!.status?.failed, 2);
  assert.equal(podsOf(api, "bad").length, 2, "no third pod");
  assert.equal(api.stored("jobs", "default", "bad")!.status?.completionTime, undefined);
});

test("restartPolicy OnFailure: container restarts count towards backoffLimit and the Job fails with its pods deleted", async () => {
  const { api, jc } = setup();
  api.seed("jobs", job("crash", { backoffLimit: 2 }, "OnFailure"));
  await settle([jc]);
  const [name] = activeOf(api, "crash");
  const restart = (n: number): void =>
    api.mutate("pods", "default", name!, (p) => (p.status = { phase: "Running", containerStatuses: [{ name: "c", image: "x", imageID: "", ready: false, restartCount: n }] }));
  restart(1);
  await settle([jc]);
  assert.equal(conditionOf(api, "crash"), "", "one restart of two allowed");
  restart(2);
  await settle([jc]);
  assert.equal(conditionOf(api, "crash"), "Failed=True:BackoffLimitExceeded");
  assert.equal(api.stored("pods", "default", name!), undefined, "the restarting pod was deleted");
  assert.equal(api.stored("jobs", "default", "crash")!.status?.failed, 1, "and counts as failed");
});

test("activeDeadlineSeconds: the sync asks to look again at the deadline, then deletes active pods and fails", async () => {
  const { api, jc, clock } = setup();
  api.seed("jobs", job("slow", { activeDeadlineSeconds: 30, parallelism: 2, completions: 4 }));
  const key = (await jc.queue.get())!;
  const result = await jc.sync(key);
  jc.queue.done(key);
  assert.equal(result.requeueAfterMs, 30_000);
  await settle([jc]);
  assert.equal(activeOf(api, "slow").length, 2);
  clock.advance(30_000);
  jc.queue.add(key);
  await settle([jc]);
  assert.equal(conditionOf(api, "slow"), "Failed=True:DeadlineExceeded");
  assert.deepEqual(podsOf(api, "slow"), [], "active pods were terminated");
  assert.equal(api.stored("jobs", "default", "slow")!.status?.active, 0);
  assert.equal(api.stored("jobs", "default", "slow")!.status?.failed, 2, "the terminated pods count as failed");
});

test("without completions (a work queue) the Job completes when one pod succeeded and none is active", async () => {
  const { api, jc } = setup();
  const j = job("queue", { parallelism: 2 });
  delete j.spec!.completions;
  api.seed("jobs", j);
  await settle([jc]);
  const [a, b] = activeOf(api, "queue");
  finish(api, a!, "Succeeded");
  await settle([jc]);
  assert.equal(conditionOf(api, "queue"), "", "one pod still works");
  assert.deepEqual(activeOf(api, "queue"), [b], "and no new pod starts once one succeeded");
  finish(api, b!, "Succeeded");
  await settle([jc]);
  assert.equal(conditionOf(api, "queue"), "Complete=True:CompletionsReached");
});

test("suspend deletes active pods (Suspended condition, no deadline); resuming creates them again with a new startTime", async () => {
  const { api, jc, clock } = setup();
  api.seed("jobs", job("later", { parallelism: 3, completions: 3, activeDeadlineSeconds: 60 }));
  await settle([jc]);
  assert.equal(activeOf(api, "later").length, 3);
  api.mutate("jobs", "default", "later", (j) => (j.spec!.suspend = true));
  await settle([jc]);
  assert.equal(activeOf(api, "later").length, 0);
  assert.equal(conditionOf(api, "later"), "Suspended=True:JobSuspended");
  clock.advance(120_000);
  await jc.sync("default/later");
  assert.equal(conditionOf(api, "later"), "Suspended=True:JobSuspended", "the deadline does not run while suspended");
  api.mutate("jobs", "default", "later", (j) => (j.spec!.suspend = false));
  await settle([jc]);
  assert.equal(activeOf(api, "later").length, 3);
  assert.equal(conditionOf(api, "later"), "Suspended=False:JobResumed");
  assert.equal(new Date(api.stored("jobs", "default", "later")!.status!.startTime!).getTime(), clock.now());
  assert.deepEqual(
    api.events.filter((e) => e.key === "default/later" && e.reason !== "SuccessfulCreate").map((e) => e.reason),
    ["Suspended", "Resumed"],
  );
});

test("pod failure backoff doubles per failure since the last success (10 s, 20 s, 40 s) from the pod's finish time", async () => {
  const { api, jc, clock } = setup();
  api.seed("jobs", job("flaky", { backoffLimit: 10 }));
  await settle([jc]);
  const failNow = (): void =>
    api.mutate("pods", "default", activeOf(api, "flaky")[0]!, (p) => {
      p.status = { phase: "Failed", containerStatuses: [{ name: "c", image: "x", imageID: "", ready: false, restartCount: 0, state: { terminated: { exitCode: 1, finishedAt: new Date(clock.now()) } } }] };
    });
  for (const wait of [10_000, 20_000, 40_000]) {
    failNow();
    await settle([jc]);
    clock.advance(wait - 1);
    await settle([jc]);
    assert.equal(activeOf(api, "flaky").length, 0, `still waiting at ${wait - 1} ms`);
    clock.advance(1);
    await settle([jc]);
    assert.equal(activeOf(api, "flaky").length, 1, `replaced at ${wait} ms`);
  }
  assert.equal(api.stored("jobs", "default", "flaky")!.status?.failed, 3);
});

test("events: SuccessfulCreate per pod, Completed, and the failure reason as a Warning", async () => {
  const { api, jc } = setup();
  api.seed("jobs", job("ev", { backoffLimit: 0 }));
  await settle([jc]);
  const [name] = activeOf(api, "ev");
  assert.deepEqual(api.events.map((e) => [e.type, e.reason, e.message]), [["Normal", "SuccessfulCreate", `Created pod: ${name}`]]);
  finish(api, name!, "Failed");
  await settle([jc]);
  assert.deepEqual(api.events.at(-1), { key: "default/ev", type: "Warning", reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" });
});

test("no double creates while the pod cache lags (expectations)", async () => {
  const { api, jc } = setup();
  api.hold = true;
  api.seed("jobs", job("lag", { parallelism: 3, completions: 5 }));
  api.deliver();
  const sync = (): Promise<unknown> => jc.sync("default/lag").catch(() => undefined);
  await sync();
  await sync();
  assert.equal(api.storedList("pods").length, 3);
  api.deliver();
  await sync();
  assert.equal(api.storedList("pods").length, 3);
});

test("ttlSecondsAfterFinished deletes the finished Job after the TTL", async () => {
  const { api, jc, clock } = setup();
  api.seed("jobs", job("short", { ttlSecondsAfterFinished: 60 }));
  await settle([jc]);
  finish(api, activeOf(api, "short")[0]!, "Succeeded");
  await settle([jc]);
  const result = await jc.sync("default/short");
  assert.equal(result.requeueAfterMs, 60_000);
  clock.advance(60_000);
  await jc.sync("default/short");
  assert.equal(api.stored("jobs", "default", "short"), undefined);
});

test("completionMode Indexed: one pod per index with its annotation, label, env and hostname; completedIndexes; a failed index is retried", async () => {
  const { api, jc, clock } = setup();
  api.seed("jobs", job("idx", { completionMode: "Indexed", completions: 4, parallelism: 2 }));
  await settle([jc]);
  const indexOfPod = (name: string): string => api.stored("pods", "default", name)!.metadata!.annotations!["batch.kubernetes.io/job-completion-index"]!;
  let active = activeOf(api, "idx");
  assert.deepEqual(active.map(indexOfPod).sort(), ["0", "1"], "the lowest indexes first");
  const p0 = api.stored("pods", "default", active.find((n) => indexOfPod(n) === "0")!)!;
  assert.match(p0.metadata!.name!, /^idx-0-[a-z0-9]{5}$/);
  assert.equal(p0.metadata?.labels?.["batch.kubernetes.io/job-completion-index"], "0");
  assert.equal(p0.spec?.hostname, "idx-0");
  assert.deepEqual(p0.spec?.containers[0]?.env, [{ name: "JOB_COMPLETION_INDEX", value: "0" }]);
  finish(api, p0.metadata!.name!, "Succeeded");
  finish(api, active.find((n) => indexOfPod(n) === "1")!, "Failed");
  await settle([jc]);
  clock.advance(10_000);
  await settle([jc]);
  active = activeOf(api, "idx");
  assert.deepEqual(active.map(indexOfPod).sort(), ["1", "2"], "index 1 again, and the next one");
  assert.equal(api.stored("jobs", "default", "idx")!.status?.completedIndexes, "0");
  for (const name of active) finish(api, name, "Succeeded");
  await settle([jc]);
  assert.equal(api.stored("jobs", "default", "idx")!.status?.completedIndexes, "0-2");
  finish(api, activeOf(api, "idx")[0]!, "Succeeded");
  await settle([jc]);
  const status = api.stored("jobs", "default", "idx")!.status!;
  assert.deepEqual([status.completedIndexes, status.succeeded, status.failed], ["0-3", 4, 1]);
  assert.equal(conditionOf(api, "idx"), "Complete=True:CompletionsReached");
});

test("a failure whose status write conflicted still stands on the retry, though its pods are gone", async () => {
  const { api, jc } = setup();
  api.seed("jobs", job("lost", { backoffLimit: 1 }, "OnFailure"));
  await settle([jc]);
  const [name] = activeOf(api, "lost");
  api.mutate("pods", "default", name!, (p) => (p.status = { phase: "Running", containerStatuses: [{ name: "c", image: "x", imageID: "", ready: false, restartCount: 1 }] }));
  // Someone else writes the Job, unseen by the cache: the status write conflicts.
  api.hold = true;
  api.mutate("jobs", "default", "lost", (j) => (j.metadata!.annotations = { touched: "yes" }));
  await assert.rejects(jc.sync("default/lost"), /modified/);
  api.hold = false;
  api.deliver();
  assert.equal(api.stored("pods", "default", name!), undefined, "the pod was deleted");
  await settle([jc]);
  assert.equal(conditionOf(api, "lost"), "Failed=True:BackoffLimitExceeded");
  assert.equal(api.stored("jobs", "default", "lost")!.status?.failed, 1);
  assert.deepEqual(activeOf(api, "lost"), [], "no new pod");
});
