import assert from "node:assert/strict";
import { test } from "node:test";
import type { V1CronJob, V1CronJobSpec } from "@kubernetes/client-node";
import { FakeClock } from "../clock.ts";
import { FakeApi } from "../fake-api.ts";
import { controllerRefOf } from "../owners.ts";
import { settle } from "../test-support.ts";
import { CronJobController, jobNameFor, scheduledTimestampAnnotation } from "./cronjob-controller.ts";

const t0 = Date.parse("2026-01-01T10:00:30Z");

function setup(spec: Partial<V1CronJobSpec> = {}): { clock: FakeClock; api: FakeApi; cc: CronJobController; tick: (ms: number) => Promise<void> } {
  const clock = new FakeClock(t0);
  const api = new FakeApi(clock);
  const cc = new CronJobController(api, { clock });
  const cj: V1CronJob = {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name: "tick", namespace: "default" },
    spec: {
      schedule: "*/1 * * * *",
      concurrencyPolicy: "Allow",
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
      jobTemplate: { metadata: { labels: { app: "tick" } }, spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "skiff/node-base" }] } } } },
      ...spec,
    },
  };
  api.seed("cronjobs", cj);
  const tick = async (ms: number): Promise<void> => {
    clock.advance(ms);
    cc.queue.add("default/tick");
    await settle([cc]);
  };
  return { clock, api, cc, tick };
}

const jobs = (api: FakeApi): string[] =>
  api
    .storedList("jobs")
    .map((j) => j.metadata!.name!)
    .sort();

const activeNames = (api: FakeApi): string[] => (api.stored("cronjobs", "default", "tick")!.status?.active ?? []).map((r) => r.name!).sort();

function finishJob(api: FakeApi, name: string, type: "Complete" | "Failed", at: number): void {
  api.mutate("jobs", "default", name, (j) => {
    j.status = { startTime: new Date(at - 1000), conditions: [{ type, status: "True" }], ...(type === "Complete" ? { completionTime: new Date(at) } : {}) };
  });
}

const minute = (s: string): number => Date.parse(`2026-01-01T${s}Z`);

test("at each scheduled time a Job <cronjob>-<minutes> is made from the template, owned, and listed as active", async () => {
  const { api, cc, tick } = setup();
  const first = await cc.sync("default/tick");
  assert.deepEqual(jobs(api), [], "nothing is due before 10:01");
  assert.equal(first.requeueAfterMs, 30_000 + 100, "it looks again just after the next scheduled time");
  await tick(30_000);
  const name = jobNameFor("tick", minute("10:01:00"));
  assert.equal(name, `tick-${minute("10:01:00") / 60_000}`);
  assert.deepEqual(jobs(api), [name]);
  const job = api.stored("jobs", "default", name)!;
  assert.equal(controllerRefOf(job)?.kind, "CronJob");
  assert.equal(controllerRefOf(job)?.name, "tick");
  assert.deepEqual(job.metadata?.labels, { app: "tick" });
  assert.equal(job.metadata?.annotations?.[scheduledTimestampAnnotation], "2026-01-01T10:01:00Z");
  assert.equal(job.spec?.template?.spec?.restartPolicy, "Never");
  const status = api.stored("cronjobs", "default", "tick")!.status!;
  assert.deepEqual(activeNames(api), [name]);
  assert.equal(new Date(status.lastScheduleTime!).toISOString(), "2026-01-01T10:01:00.000Z");
  await tick(1000);
  assert.deepEqual(jobs(api), [name], "one Job per scheduled time");
});

test("Allow runs Jobs side by side; finished ones leave status.active and set lastSuccessfulTime", async () => {
  const { api, clock, tick } = setup();
  await tick(30_000);
  await tick(60_000);
  assert.equal(activeNames(api).length, 2);
  finishJob(api, jobs(api)[0]!, "Complete", clock.now());
  await tick(0);
  assert.equal(activeNames(api).length, 1);
  assert.equal(new Date(api.stored("cronjobs", "default", "tick")!.status!.lastSuccessfulTime!).getTime(), clock.now());
});

test("Forbid skips a run while one is active and starts the missed one when it ends", async () => {
  const { api, clock, tick } = setup({ concurrencyPolicy: "Forbid" });
  await tick(30_000);
  const [first] = jobs(api);
  await tick(60_000);
  assert.deepEqual(jobs(api), [first], "10:02 was not started");
  finishJob(api, first!, "Complete", clock.now());
  await tick(1000);
  assert.deepEqual(jobs(api), [first, jobNameFor("tick", minute("10:02:00"))].sort());
});

test("Replace deletes the running Job and starts the new one", async () => {
  const { api, tick } = setup({ concurrencyPolicy: "Replace" });
  await tick(30_000);
  const [first] = jobs(api);
  await tick(60_000);
  const second = jobNameFor("tick", minute("10:02:00"));
  assert.deepEqual(jobs(api), [second]);
  assert.deepEqual(activeNames(api), [second]);
  assert.ok(api.actions.some((a) => a.verb === "delete" && a.key === `default/${first}`));
});

test("suspend stops new runs; resuming runs only the latest missed time", async () => {
  const { api, tick } = setup({ suspend: true });
  await tick(30_000);
  await tick(120_000);
  assert.deepEqual(jobs(api), []);
  api.mutate("cronjobs", "default", "tick", (c) => (c.spec!.suspend = false));
  await tick(0);
  assert.deepEqual(jobs(api), [jobNameFor("tick", minute("10:03:00"))]);
});

test("history limits keep the newest successful and failed Jobs", async () => {
  const { api, clock, tick } = setup({ successfulJobsHistoryLimit: 2, failedJobsHistoryLimit: 1 });
  await tick(30_000);
  for (let i = 0; i < 5; i++) await tick(60_000);
  const all = jobs(api);
  assert.equal(all.length, 6);
  for (const [i, name] of all.entries()) finishJob(api, name, i % 2 === 0 ? "Complete" : "Failed", clock.now());
  await tick(0);
  // Complete: 0, 2, 4 (keep 2 and 4); Failed: 1, 3, 5 (keep 5).
  assert.deepEqual(jobs(api), [all[2], all[4], all[5]].sort());
});

test("startingDeadlineSeconds: a scheduled time missed by more than the deadline is skipped", async () => {
  const { api, cc, clock } = setup({ startingDeadlineSeconds: 10 });
  // The controller was away at 10:01 and comes back at 10:01:40.
  clock.advance(70_000);
  await cc.sync("default/tick");
  assert.deepEqual(jobs(api), []);
  clock.advance(20_000 + 5_000);
  await cc.sync("default/tick");
  assert.deepEqual(jobs(api), [jobNameFor("tick", minute("10:02:00"))], "10:02 is started 5 s late, within the deadline");
});

test("more than 100 missed times: a TooManyMissedTimes warning, and only the latest runs", async () => {
  const { api, cc, clock } = setup();
  clock.advance(3 * 3_600_000);
  await cc.sync("default/tick");
  assert.deepEqual(jobs(api), [jobNameFor("tick", minute("13:00:00"))]);
  const warning = api.events.find((e) => e.reason === "TooManyMissedTimes");
  assert.equal(warning?.type, "Warning");
  assert.match(warning!.message, /^too many missed start times: 180\. Set or decrease \.spec\.startingDeadlineSeconds or check clock skew$/);
});

test("an unparseable schedule is reported, not retried", async () => {
  const { api, cc } = setup({ schedule: "61 * * * *" });
  const result = await cc.sync("default/tick");
  assert.deepEqual(result, {});
  assert.equal(api.events[0]?.reason, "UnparseableSchedule");
});

test("an active Job deleted by someone else leaves status.active once the cache sees the delete (MissingJob)", async () => {
  const { api, cc, clock } = setup();
  clock.advance(30_000);
  api.hold = true;
  await cc.sync("default/tick");
  api.deliver();
  const name = jobNameFor("tick", minute("10:01:00"));
  assert.deepEqual(activeNames(api), [name]);
  api.hold = true;
  await api.delete("jobs", "default", name);
  // The delete is not delivered yet: the cache still has the Job; the controller keeps it.
  await cc.sync("default/tick");
  assert.deepEqual(activeNames(api), [name]);
  api.deliver();
  await cc.sync("default/tick");
  assert.deepEqual(activeNames(api), [], "gone from the cache after a delete event: dropped (MissingJob)");
  assert.ok(api.events.some((e) => e.reason === "MissingJob"));
});

test("status.active keeps a Job the cache has not shown yet", async () => {
  const { api, cc, clock } = setup();
  clock.advance(30_000);
  api.hold = true;
  await cc.sync("default/tick");
  // Deliver only the CronJob's status write, not the Job's add: a lagging Job watch.
  const name = jobNameFor("tick", minute("10:01:00"));
  assert.ok(api.stored("jobs", "default", name) !== undefined);
  api.deliverKind("cronjobs");
  assert.equal(api.cache("jobs").get("default", name), undefined);
  await cc.sync("default/tick");
  assert.deepEqual(activeNames(api), [name], "not dropped as missing");
  assert.ok(!api.events.some((e) => e.reason === "MissingJob"));
});
