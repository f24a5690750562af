// The scheduler's Prometheus metrics under kube-scheduler's names: attempts
// by result (scheduled, unschedulable, error), how long an attempt took
// (from the start of its cycle to the end of its binding, as kube measures
// it) and the pods waiting in each queue. A registry per scheduler.
import { Counter, Gauge, Histogram, Registry } from "prom-client";

export type AttemptResult = "scheduled" | "unschedulable" | "error";

export interface QueueSizes {
  active: number;
  backoff: number;
  unschedulable: number;
}

export class SchedulerMetrics {
  readonly registry = new Registry();
  private readonly attempts: Counter<"result" | "profile">;
  private readonly duration: Histogram<"result" | "profile">;

  constructor(
    queueSizes: () => QueueSizes,
    private readonly profile: string,
  ) {
    const registers = [this.registry];
    this.attempts = new Counter({ name: "scheduler_schedule_attempts_total", help: "Number of attempts to schedule pods, by the result.", labelNames: ["result", "profile"], registers });
    this.duration = new Histogram({
      name: "scheduler_scheduling_attempt_duration_seconds",
      help: "Scheduling attempt latency in seconds (scheduling algorithm + binding).",
      labelNames: ["result", "profile"],
      buckets: Array.from({ length: 15 }, (_, i) => 0.001 * 2 ** i),
      registers,
    });
    new Gauge({
      name: "scheduler_pending_pods",
      help: "Number of pending pods, by the queue type.",
      labelNames: ["queue"],
      registers,
      collect() {
        const s = queueSizes();
        this.set({ queue: "active" }, s.active);
        this.set({ queue: "backoff" }, s.backoff);
        this.set({ queue: "unschedulable" }, s.unschedulable);
        this.set({ queue: "gated" }, 0);
      },
    });
  }

  // The labelled series of each result, looked up once: a scheduling cycle takes tens of microseconds.
  private readonly series = new Map<AttemptResult, { attempts: { inc(): void }; duration: { observe(v: number): void } }>();

  /** An attempt ended; `startedAt` is its cycle's performance.now(). */
  attempt(result: AttemptResult, startedAt: number): void {
    let s = this.series.get(result);
    if (s === undefined) {
      const labels = { result, profile: this.profile };
      s = { attempts: this.attempts.labels(labels), duration: this.duration.labels(labels) };
      this.series.set(result, s);
    }
    s.attempts.inc();
    s.duration.observe((performance.now() - startedAt) / 1000);
  }
}
