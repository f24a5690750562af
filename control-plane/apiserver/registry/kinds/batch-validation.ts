// The parts of kube's batch validation that the Job and CronJob
// controllers rely on: counts that cannot be negative, the known
// completion modes and concurrency policies, a schedule the controller can
// read, a CronJob name short enough for its Jobs' names, and the Job fields
// that cannot change once the Job runs.
import { CronParseError, parseCron } from "../../../controllers/cronjob/cron-schedule.ts";
import type { StatusCause } from "../../errors.ts";
import { at } from "../printing.ts";
import type { KubeObject } from "../types.ts";
import { invalidValue, notSupported, required } from "../validation.ts";

function nonNegative(o: unknown, path: string, field: string, causes: StatusCause[]): void {
  const v = at(o as KubeObject, `${path}.${field}`);
  if (v === undefined || v === null) return;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) causes.push(invalidValue(`${path}.${field}`, v, "must be greater than or equal to 0"));
}

/** A Job's spec at path (spec, or spec.jobTemplate.spec of a CronJob). */
export function validateJobSpec(o: KubeObject, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const f of ["parallelism", "completions", "backoffLimit", "activeDeadlineSeconds", "ttlSecondsAfterFinished"]) nonNegative(o, path, f, causes);
  const mode = at(o, `${path}.completionMode`);
  if (mode !== undefined && mode !== "NonIndexed" && mode !== "Indexed") causes.push(notSupported(`${path}.completionMode`, mode, ["NonIndexed", "Indexed"]));
  if (mode === "Indexed" && at(o, `${path}.completions`) === undefined) causes.push({ ...required(`${path}.completions`), message: "Required value: when completion mode is Indexed" });
  return causes;
}

/** kube refuses changes to a Job's selector, template, completions and completion mode. */
export function validateJobUpdate(o: KubeObject, old: KubeObject | undefined): StatusCause[] {
  if (old === undefined) return [];
  const causes: StatusCause[] = [];
  for (const field of ["selector", "template", "completions", "completionMode"]) {
    const next = at(o, `spec.${field}`);
    if (JSON.stringify(next) !== JSON.stringify(at(old, `spec.${field}`))) causes.push(invalidValue(`spec.${field}`, next, "field is immutable"));
  }
  return causes;
}

/** A Job's name is the CronJob's plus `-` and 10 digits, within 63 characters. */
const maxCronJobName = 52;

export function validateCronJobSpec(o: KubeObject): StatusCause[] {
  const causes = validateJobSpec(o, "spec.jobTemplate.spec");
  const name = o.metadata?.name ?? "";
  if (name.length > maxCronJobName) causes.push(invalidValue("metadata.name", name, `must be no more than ${maxCronJobName} characters`));
  const schedule = at(o, "spec.schedule");
  if (typeof schedule !== "string" || schedule === "") causes.push(required("spec.schedule"));
  else if (/^(CRON_)?TZ=/.test(schedule.trim())) causes.push(invalidValue("spec.schedule", schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"));
  else {
    try {
      parseCron(schedule);
    } catch (err) {
      if (!(err instanceof CronParseError)) throw err;
      causes.push(invalidValue("spec.schedule", schedule, err.message));
    }
  }
  const policy = at(o, "spec.concurrencyPolicy");
  if (policy !== undefined && !["Allow", "Forbid", "Replace"].includes(policy as string)) causes.push(notSupported("spec.concurrencyPolicy", policy, ["Allow", "Forbid", "Replace"]));
  for (const f of ["startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit"]) nonNegative(o, "spec", f, causes);
  return causes;
}
