// The CronJob controller (kube's cronjob controller v2): at each scheduled
// time it creates a Job named `<cronjob>-<scheduled time in minutes since
// the epoch>` from the jobTemplate, honours concurrencyPolicy, suspend and
// startingDeadlineSeconds, keeps status.active and lastScheduleTime, and
// deletes finished Jobs beyond the history limits. It asks to be synced
// again at the next scheduled time.
import type { V1CronJob, V1CronJobStatus, V1Job, V1ObjectReference } from "@kubernetes/client-node";
import type { Logger } from "../../logger.ts";
import { type CacheEvent, type ClusterApi, isConflict, isNotFound, keyOf, splitKey, timeOf } from "../api.ts";
import type { Clock } from "../clock.ts";
import type { SyncResult } from "../controller-loop.ts";
import { finishedType } from "../job/job-status.ts";
import { controllerRefOf, ownerRefTo } from "../owners.ts";
import { WorkQueue } from "../work-queue.ts";
import { CronParseError, type CronSchedule, missedTimes, nextAfter, parseCron } from "./cron-schedule.ts";

const unseenTtlMs = 5 * 60_000;

export const scheduledTimestampAnnotation = "batch.kubernetes.io/cronjob-scheduled-timestamp";

export interface CronJobControllerOptions {
  clock: Clock;
  log?: Logger;
}

const iso = (ms: number): Date => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z") as unknown as Date;

/** kube's getJobName: the scheduled time in minutes keeps names stable across controller restarts. */
export function jobNameFor(cronJob: string, scheduledMs: number): string {
  return `${cronJob}-${Math.floor(scheduledMs / 60_000)}`;
}

export class CronJobController {
  readonly name = "cronjob";
  readonly queue: WorkQueue;
  private readonly clock: Clock;
  private readonly log: Logger | undefined;
  /** Jobs this controller made that the cache has not shown yet (uid → when), so a lagging cache does not drop them from status.active. */
  private readonly unseen = new Map<string, number>();

  constructor(
    private readonly api: ClusterApi,
    opts: CronJobControllerOptions,
  ) {
    this.clock = opts.clock;
    this.log = opts.log;
    this.queue = new WorkQueue(this.clock);
    api.cache("cronjobs").subscribe((e) => this.queue.add(keyOf(e.object)));
    api.cache("jobs").subscribe((e) => this.onJob(e));
  }

  /** Listed objects carry no kind; the Event's involvedObject needs it. */
  private record(cj: V1CronJob, type: "Normal" | "Warning", reason: string, message: string): void {
    this.api.event?.({ ...cj, apiVersion: "batch/v1", kind: "CronJob" }, type, reason, message);
  }

  private onJob(e: CacheEvent<V1Job>): void {
    this.unseen.delete(e.object.metadata?.uid ?? "");
    const ref = controllerRefOf(e.object);
    if (ref?.kind !== "CronJob") return;
    const cj = this.api.cache("cronjobs").get(e.object.metadata?.namespace ?? "", ref.name);
    if (cj?.metadata?.uid === ref.uid) this.queue.add(keyOf(cj));
  }

  async sync(key: string): Promise<SyncResult> {
    const { namespace, name } = splitKey(key);
    const cj = this.api.cache("cronjobs").get(namespace, name);
    if (cj === undefined) return {};
    const uid = cj.metadata?.uid;
    const jobs = this.api
      .cache("jobs")
      .list(namespace)
      .filter((j) => controllerRefOf(j)?.uid === uid);
    const status: V1CronJobStatus = structuredClone(cj.status ?? {});
    this.reconcileActive(cj, status, jobs);
    let result: SyncResult = {};
    let schedule: CronSchedule | undefined;
    try {
      schedule = parseCron(cj.spec?.schedule ?? "");
    } catch (err) {
      if (!(err instanceof CronParseError)) throw err;
      this.record(cj, "Warning", "UnparseableSchedule", `unparseable schedule: ${JSON.stringify(cj.spec?.schedule)} : ${err.message}`);
    }
    if (schedule !== undefined && cj.metadata?.deletionTimestamp === undefined && cj.spec?.suspend !== true) result = await this.runSchedule(cj, status, schedule);
    if (statusChanged(cj.status, status)) await this.api.updateStatus("cronjobs", { ...cj, status });
    await this.cleanupHistory(cj, jobs);
    return result;
  }

  /** Drops finished or vanished Jobs from status.active; notes the last success. */
  private reconcileActive(cj: V1CronJob, status: V1CronJobStatus, jobs: V1Job[]): void {
    const byUid = new Map(jobs.map((j) => [j.metadata?.uid, j]));
    status.active = (status.active ?? []).filter((ref) => {
      const job = byUid.get(ref.uid);
      const made = this.unseen.get(ref.uid ?? "");
      if (job === undefined && made !== undefined && this.clock.now() - made < unseenTtlMs) return true;
      if (job === undefined) {
        this.record(cj, "Normal", "MissingJob", `Active job went missing: ${ref.name}`);
        return false;
      }
      const finished = finishedType(job);
      if (finished === undefined) return true;
      this.record(cj, "Normal", "SawCompletedJob", `Saw completed job: ${ref.name}, condition: ${finished}`);
      if (finished === "Complete") {
        const done = timeOf(job.status?.completionTime);
        if (done > timeOf(status.lastSuccessfulTime)) status.lastSuccessfulTime = iso(done);
      }
      return false;
    });
    if (status.active.length === 0) delete status.active;
  }

  private async runSchedule(cj: V1CronJob, status: V1CronJobStatus, schedule: CronSchedule): Promise<SyncResult> {
    const now = this.clock.now();
    const deadline = cj.spec?.startingDeadlineSeconds;
    let earliest = timeOf(status.lastScheduleTime) || timeOf(cj.metadata?.creationTimestamp);
    if (deadline !== undefined && deadline !== null) earliest = Math.max(earliest, now - deadline * 1000);
    const { mostRecent, count } = missedTimes(schedule, earliest, now);
    const next = nextAfter(schedule, now);
    const requeue: SyncResult = next === undefined ? {} : { requeueAfterMs: Math.max(1, next - now + 100) };
    if (count > 100) {
      this.record(cj, "Warning", "TooManyMissedTimes", `too many missed start times: ${count}. Set or decrease .spec.startingDeadlineSeconds or check clock skew`);
      this.log?.warn("too many missed start times", { cronjob: keyOf(cj), missed: count });
    }
    if (mostRecent === undefined) return requeue;
    if (deadline !== undefined && deadline !== null && mostRecent + deadline * 1000 < now) {
      this.record(cj, "Warning", "MissSchedule", `Missed scheduled time to start a job: ${new Date(mostRecent).toISOString()}`);
      return requeue;
    }
    const jobName = jobNameFor(cj.metadata?.name ?? "", mostRecent);
    if ((status.active ?? []).some((r) => r.name === jobName)) return requeue;
    const active = status.active ?? [];
    const policy = cj.spec?.concurrencyPolicy ?? "Allow";
    if (policy === "Forbid" && active.length > 0) {
      // The missed time stays unscheduled; once the running Job ends it starts, unless its starting deadline passed.
      return requeue;
    }
    if (policy === "Replace") {
      for (const ref of active) {
        try {
          await this.api.delete("jobs", ref.namespace ?? "", ref.name ?? "", ref.uid);
          this.record(cj, "Normal", "SuccessfulDelete", `Deleted job ${ref.name}`);
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
      delete status.active;
    }
    let job: V1Job;
    try {
      job = await this.api.create("jobs", cj.metadata?.namespace ?? "", this.jobFor(cj, jobName, mostRecent));
      if (this.api.cache("jobs").get(job.metadata?.namespace ?? "", job.metadata?.name ?? "")?.metadata?.uid !== job.metadata?.uid) this.unseen.set(job.metadata?.uid ?? "", this.clock.now());
      this.record(cj, "Normal", "SuccessfulCreate", `Created job ${jobName}`);
    } catch (err) {
      if (!isConflict(err)) {
        this.record(cj, "Warning", "FailedCreate", `Error creating job: ${err instanceof Error ? err.message : String(err)}`);
        throw err;
      }
      // Made by an earlier sync whose status write was lost: kube records the time and moves on.
      status.lastScheduleTime = iso(mostRecent);
      return requeue;
    }
    const ref: V1ObjectReference = { apiVersion: "batch/v1", kind: "Job", name: job.metadata?.name, namespace: job.metadata?.namespace, uid: job.metadata?.uid, resourceVersion: job.metadata?.resourceVersion };
    status.active = [...(status.active ?? []), ref];
    status.lastScheduleTime = iso(mostRecent);
    return requeue;
  }

  private jobFor(cj: V1CronJob, name: string, scheduledMs: number): V1Job {
    const template = cj.spec?.jobTemplate;
    return {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: {
        name,
        namespace: cj.metadata?.namespace,
        labels: { ...template?.metadata?.labels },
        annotations: { ...template?.metadata?.annotations, [scheduledTimestampAnnotation]: new Date(scheduledMs).toISOString().replace(/\.\d{3}Z$/, "Z") },
        ownerReferences: [ownerRefTo(cj, "CronJob", "batch/v1")],
      },
      spec: structuredClone(template?.spec) ?? { template: { spec: { containers: [] } } },
    };
  }

  /** Deletes the oldest finished Jobs beyond successfulJobsHistoryLimit and failedJobsHistoryLimit. */
  private async cleanupHistory(cj: V1CronJob, jobs: V1Job[]): Promise<void> {
    const limits = { Complete: cj.spec?.successfulJobsHistoryLimit, Failed: cj.spec?.failedJobsHistoryLimit } as const;
    for (const type of ["Complete", "Failed"] as const) {
      const limit = limits[type];
      if (limit === undefined || limit === null) continue;
      const finished = jobs.filter((j) => finishedType(j) === type && j.metadata?.deletionTimestamp === undefined);
      const startOf = (j: V1Job): number => timeOf(j.status?.startTime) || timeOf(j.metadata?.creationTimestamp);
      finished.sort((a, b) => startOf(a) - startOf(b) || (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""));
      for (const j of finished.slice(0, Math.max(0, finished.length - limit))) {
        try {
          await this.api.delete("jobs", j.metadata?.namespace ?? "", j.metadata?.name ?? "", j.metadata?.uid);
          this.record(cj, "Normal", "SuccessfulDelete", `Deleted job ${j.metadata?.name ?? ""}`);
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
    }
  }
}

function statusChanged(old: V1CronJobStatus | undefined, next: V1CronJobStatus): boolean {
  const pick = (s: V1CronJobStatus | undefined): unknown[] => [(s?.active ?? []).map((r) => r.uid), timeOf(s?.lastScheduleTime), timeOf(s?.lastSuccessfulTime)];
  return JSON.stringify(pick(old)) !== JSON.stringify(pick(next));
}
