import assert from "node:assert/strict";
import { test } from "node:test";
import { toTable } from "../../rest/table.ts";
import type { KubeObject } from "../types.ts";
import { cronJobs, jobs } from "./workloads.ts";

function job(spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "pi", namespace: "default", uid: "u-1" },
    spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "demo:1" }] } }, ...spec },
  } as KubeObject;
}

function cronJob(name: string, spec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name, namespace: "default" },
    spec: { schedule: "*/5 * * * *", jobTemplate: { spec: { template: { spec: { restartPolicy: "OnFailure", containers: [{ name: "c", image: "demo:1" }] } } } }, ...spec },
  } as KubeObject;
}

const fields = (causes: { field?: string; message?: string }[]): string[] => causes.map((c) => `${c.field}: ${c.message}`);

test("Job defaults: counts, backoffLimit 6, and a selector on the generated controller-uid label with job-name", () => {
  const o = job();
  jobs.defaults!(o);
  const spec = o.spec as Record<string, unknown>;
  assert.deepEqual([spec.completions, spec.parallelism, spec.backoffLimit, spec.completionMode, spec.suspend], [1, 1, 6, "NonIndexed", false]);
  assert.deepEqual(spec.selector, { matchLabels: { "controller-uid": "u-1" } });
  assert.deepEqual((spec.template as { metadata: { labels: unknown } }).metadata.labels, { "controller-uid": "u-1", "job-name": "pi" });
  assert.deepEqual(jobs.validate!(o, undefined), []);
});

test("Job validation: negative counts, unknown completion mode, Indexed without completions, restartPolicy Always", () => {
  const o = job({ parallelism: -1, backoffLimit: -2, activeDeadlineSeconds: -5, completionMode: "Sometimes" });
  assert.deepEqual(fields(jobs.validate!(o, undefined)), [
    'spec.parallelism: Invalid value: -1: must be greater than or equal to 0',
    'spec.backoffLimit: Invalid value: -2: must be greater than or equal to 0',
    'spec.activeDeadlineSeconds: Invalid value: -5: must be greater than or equal to 0',
    'spec.completionMode: Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"',
  ]);
  assert.deepEqual(fields(jobs.validate!(job({ completionMode: "Indexed" }), undefined)), ["spec.completions: Required value: when completion mode is Indexed"]);
  const always = job();
  (always.spec as { template: { spec: { restartPolicy: string } } }).template.spec.restartPolicy = "Always";
  assert.match(fields(jobs.validate!(always, undefined)).join("\n"), /spec\.template\.spec\.restartPolicy: Unsupported value: "Always"/);
});

test("Job updates may change parallelism and suspend, not the template, selector or completions", () => {
  const old = job();
  jobs.defaults!(old);
  const ok = structuredClone(old);
  Object.assign(ok.spec as object, { parallelism: 3, suspend: true });
  assert.deepEqual(jobs.validate!(ok, old), []);
  const bad = structuredClone(old);
  Object.assign(bad.spec as object, { completions: 5 });
  (bad.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]!.image = "demo:2";
  assert.deepEqual(
    jobs.validate!(bad, old).map((c) => c.field),
    ["spec.template", "spec.completions"],
  );
});

test("CronJob validation: schedule read by the controller's parser, TZ refused, policy, name length, jobTemplate counts", () => {
  assert.deepEqual(cronJobs.validate!(cronJob("ok", { schedule: "@every 90s" }), undefined), []);
  assert.deepEqual(fields(cronJobs.validate!(cronJob("c", { schedule: "61 * * * *" }), undefined)), ['spec.schedule: Invalid value: "61 * * * *": value out of range (0-59): 61']);
  assert.match(fields(cronJobs.validate!(cronJob("c", { schedule: "TZ=UTC 0 * * * *" }), undefined))[0]!, /cannot use TZ or CRON_TZ/);
  assert.deepEqual(fields(cronJobs.validate!(cronJob("c", { concurrencyPolicy: "Never" }), undefined)), ['spec.concurrencyPolicy: Unsupported value: "Never": supported values: "Allow", "Forbid", "Replace"']);
  assert.deepEqual(fields(cronJobs.validate!(cronJob("x".repeat(53), {}), undefined)), [`metadata.name: Invalid value: "${"x".repeat(53)}": must be no more than 52 characters`]);
  const negative = cronJob("c", { startingDeadlineSeconds: -1 });
  (negative.spec as { jobTemplate: { spec: Record<string, unknown> } }).jobTemplate.spec.backoffLimit = -1;
  assert.deepEqual(cronJobs.validate!(negative, undefined).map((c) => c.field), ["spec.jobTemplate.spec.backoffLimit", "spec.startingDeadlineSeconds"]);
});

test("kubectl get jobs: kube's STATUS column before COMPLETIONS", () => {
  const now = Date.parse("2026-01-01T00:10:00Z");
  const row = (status: Record<string, unknown>, extra: Record<string, unknown> = {}): unknown[] => {
    const o = { ...job({ completions: 3 }), status, metadata: { name: "pi", namespace: "d", creationTimestamp: "2026-01-01T00:00:00Z", ...extra } };
    return (toTable(jobs, [o], "Metadata", {}, now) as { rows: { cells: unknown[] }[] }).rows[0]!.cells.slice(0, 3);
  };
  assert.deepEqual(row({ succeeded: 1 }), ["pi", "Running", "1/3"]);
  assert.deepEqual(row({ succeeded: 3, conditions: [{ type: "Complete", status: "True" }] }), ["pi", "Complete", "3/3"]);
  assert.deepEqual(row({ conditions: [{ type: "Failed", status: "True" }] }), ["pi", "Failed", "0/3"]);
  assert.deepEqual(row({ conditions: [{ type: "Suspended", status: "True" }] }), ["pi", "Suspended", "0/3"]);
  assert.deepEqual(row({}, { deletionTimestamp: "2026-01-01T00:09:00Z" }), ["pi", "Terminating", "0/3"]);
});
