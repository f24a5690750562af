// The controller manager's Prometheus metrics: client-go's workqueue metrics
// (workqueue_depth, workqueue_adds_total, workqueue_queue_duration_seconds,
// workqueue_work_duration_seconds, workqueue_retries_total), one series per
// controller queue by its name. A registry per manager.
import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** What a WorkQueue reports; see WorkQueue.instrument. */
export interface QueueMetrics {
  added(): void;
  /** A key left the queue for a worker after waiting `seconds`. */
  taken(seconds: number): void;
  /** A worker finished a key after `seconds`. */
  worked(seconds: number): void;
  retried(): void;
}

export const noQueueMetrics: QueueMetrics = { added() {}, taken() {}, worked() {}, retried() {} };

// client-go's buckets: 1 µs to 1000 s by tens.
const buckets = Array.from({ length: 10 }, (_, i) => 1e-8 * 10 ** (i + 1));

export class WorkqueueMetrics {
  readonly registry = new Registry();
  private readonly depths = new Map<string, () => number>();
  private readonly adds: Counter<"name">;
  private readonly retries: Counter<"name">;
  private readonly queueDuration: Histogram<"name">;
  private readonly workDuration: Histogram<"name">;

  constructor() {
    const registers = [this.registry];
    const depths = this.depths;
    new Gauge({
      name: "workqueue_depth",
      help: "Current depth of workqueue",
      labelNames: ["name"],
      registers,
      collect() {
        for (const [name, depth] of depths) this.set({ name }, depth());
      },
    });
    this.adds = new Counter({ name: "workqueue_adds_total", help: "Total number of adds handled by workqueue", labelNames: ["name"], registers });
    this.retries = new Counter({ name: "workqueue_retries_total", help: "Total number of retries handled by workqueue", labelNames: ["name"], registers });
    this.queueDuration = new Histogram({ name: "workqueue_queue_duration_seconds", help: "How long in seconds an item stays in workqueue before being requested.", labelNames: ["name"], buckets, registers });
    this.workDuration = new Histogram({ name: "workqueue_work_duration_seconds", help: "How long in seconds processing an item from workqueue takes.", labelNames: ["name"], buckets, registers });
  }

  /** The metrics of the queue called `name`; `depth` is read at each scrape. */
  forQueue(name: string, depth: () => number): QueueMetrics {
    this.depths.set(name, depth);
    const labels = { name };
    // The queue's series, looked up once; they exist from the start (at zero), as client-go's do.
    const adds = this.adds.labels(labels);
    const retries = this.retries.labels(labels);
    const queued = this.queueDuration.labels(labels);
    const worked = this.workDuration.labels(labels);
    adds.inc(0);
    retries.inc(0);
    return {
      added: () => adds.inc(),
      taken: (s) => queued.observe(s),
      worked: (s) => worked.observe(s),
      retried: () => retries.inc(),
    };
  }
}
