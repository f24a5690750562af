// The scheduler: keeps the cache and the queue fed from the cluster's events,
// runs one synchronous scheduling cycle per pod, assumes the pod on the chosen
// node and binds it asynchronously, so the next pod is scheduled while the
// binding is in flight. A failed binding forgets the assumption and requeues.
import { silentLogger, type Logger } from "../logger.ts";
import { systemClock, type Clock, type RandomSource } from "./clock.ts";
import type { Binder, ClusterEvent, ClusterSource, SchedulingRecorder } from "./cluster.ts";
import { defaultProfile } from "./default-profile.ts";
import { SchedulerCache } from "./framework/cache.ts";
import { FitError } from "./framework/fit-error.ts";
import { Framework, type ProfileEntry } from "./framework/framework.ts";
import { newPodInfo, podKey, type PodInfo } from "./framework/pod-info.ts";
import { ScheduleAlgorithm } from "./framework/schedule-cycle.ts";
import { isSuccess } from "./framework/status.ts";
import { CycleState, type ClusterView } from "./framework/types.ts";
import type { Pod } from "./kube-types.ts";
import { nodeChangeMatters, podChangeMatters } from "./object-changes.ts";
import { DefaultBinder } from "./plugins/default-binder/default-binder.ts";
import { findPreemption } from "./preemption/preemption.ts";
import { SchedulingQueue, type QueuedPod } from "./queue/scheduling-queue.ts";
import { SchedulerMetrics } from "./scheduler-metrics.ts";

export const defaultSchedulerName = "default-scheduler";

export interface SchedulerOptions {
  source: ClusterSource;
  binder: Binder;
  recorder?: SchedulingRecorder;
  clock?: Clock;
  random?: RandomSource;
  /** Pods whose spec.schedulerName names another scheduler are left alone. */
  schedulerName?: string;
  /** See CycleOptions; 0 (default) is kube's adaptive percentage. */
  percentageOfNodesToScore?: number;
  profile?: (view: ClusterView) => ProfileEntry[];
  preemption?: boolean;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  maxUnschedulableMs?: number;
  /** Structured logs (silent by default: the core is used in tests and benchmarks). */
  logger?: Logger;
}

export interface SchedulerStats {
  attempts: number;
  scheduled: number;
  bound: number;
  bindFailures: number;
  unschedulable: number;
  preemptions: number;
}

export class Scheduler {
  readonly cache = new SchedulerCache();
  readonly queue: SchedulingQueue;
  readonly stats: SchedulerStats = { attempts: 0, scheduled: 0, bound: 0, bindFailures: 0, unschedulable: 0, preemptions: 0 };
  private readonly framework: Framework;
  private readonly algorithm: ScheduleAlgorithm;
  private readonly schedulerName: string;
  private readonly preemption: boolean;
  private readonly inFlightBinds = new Set<Promise<void>>();
  /** Preemptors waiting for their victims to go: pod key → nominated node and pod. */
  private readonly nominations = new Map<string, { nodeName: string; pi: PodInfo }>();
  private stopWatch: (() => void) | undefined;
  private timers: ReturnType<typeof setInterval>[] = [];
  private loopScheduled = false;
  private readonly log: Logger;
  /** Prometheus metrics under kube-scheduler's names (served by `skiff scheduler --metrics-bind-address`). */
  readonly metrics: SchedulerMetrics;

  constructor(private readonly options: SchedulerOptions) {
    const clock = options.clock ?? systemClock;
    this.log = options.logger ?? silentLogger;
    this.schedulerName = options.schedulerName ?? defaultSchedulerName;
    this.preemption = options.preemption ?? true;
    this.framework = new Framework((options.profile ?? defaultProfile)(this.cache), new DefaultBinder(options.binder));
    this.algorithm = new ScheduleAlgorithm(this.framework, this.cache, {
      percentageOfNodesToScore: options.percentageOfNodesToScore ?? 0,
      random: options.random ?? Math.random,
      nominatedPods: (nodeName, pod) => this.nominatedPods(nodeName, pod),
    });
    this.queue = new SchedulingQueue({
      clock,
      initialBackoffMs: options.initialBackoffMs,
      maxBackoffMs: options.maxBackoffMs,
      maxUnschedulableMs: options.maxUnschedulableMs,
      pluginEvents: this.framework.pluginEvents(),
    });
    this.metrics = new SchedulerMetrics(() => this.queue.sizes, this.schedulerName);
  }

  /** Subscribes to the cluster. Pods are scheduled by scheduleOne/drain, or by run(). */
  connect(): void {
    this.stopWatch ??= this.options.source.watch((e) => this.handle(e));
  }

  /** Runs by itself: schedules whenever pods are active, flushes backoff every second and leftovers every 30 s. */
  run(): void {
    this.connect();
    this.timers.push(
      setInterval(() => {
        if (this.queue.flushBackoffCompleted() > 0) this.kick();
      }, 1000),
      setInterval(() => {
        if (this.queue.flushUnschedulableLeftover() > 0) this.kick();
      }, 30_000),
    );
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopWatch?.();
    this.stopWatch = undefined;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await Promise.allSettled([...this.inFlightBinds]);
  }

  private kick(): void {
    if (this.loopScheduled || this.timers.length === 0) return;
    this.loopScheduled = true;
    setImmediate(() => {
      this.loopScheduled = false;
      // A batch per turn of the event loop, so watch events and bind results get through.
      for (let i = 0; i < 64 && this.scheduleOne(); i++);
      if (this.queue.sizes.active > 0) this.kick();
    });
  }

  handle(event: ClusterEvent): void {
    try {
      this.apply(event);
    } catch (err) {
      // An object the API server should have refused (a malformed quantity, say) must not stop the scheduler.
      // Logged under the object's kind, as every log line names pods and nodes (pod: "namespace/name", node: "name").
      const object = "node" in event ? { node: event.node.metadata?.name } : { pod: `${event.pod.metadata?.namespace ?? "default"}/${event.pod.metadata?.name ?? ""}` };
      this.log.warn("ignored an event the scheduler cannot read", { event: event.type, ...object, error: String(err) });
    }
    this.kick();
  }

  private apply(event: ClusterEvent): void {
    switch (event.type) {
      case "NodeAdded":
        this.cache.addNode(event.node);
        this.queue.onClusterEvent("NodeAdd");
        break;
      case "NodeUpdated": {
        const before = this.cache.nodeObject(event.node.metadata?.name ?? "");
        this.cache.updateNode(event.node);
        if (before === undefined) this.queue.onClusterEvent("NodeAdd");
        else if (nodeChangeMatters(before, event.node)) this.queue.onClusterEvent("NodeUpdate");
        break;
      }
      case "NodeDeleted":
        this.cache.removeNode(event.node.metadata?.name ?? "");
        break;
      case "PodAdded":
      case "PodUpdated":
        this.podChanged(event.pod, event.type === "PodAdded");
        break;
      case "PodDeleted":
        this.podDeleted(event.pod);
        break;
    }
  }

  private podChanged(pod: Pod, added: boolean): void {
    const key = podKey(pod);
    const phase = pod.status?.phase;
    const terminated = phase === "Succeeded" || phase === "Failed";
    if (pod.spec?.nodeName !== undefined && pod.spec.nodeName !== "") {
      this.queue.delete(key);
      if (terminated) {
        if (this.cache.isPlaced(key)) this.podDeleted(pod);
        return;
      }
      const before = this.cache.placedPod(key);
      const assumed = this.cache.isAssumed(key);
      this.cache.addPod(pod);
      // A pod newly seen as bound (our own binding confirmed, too) may be what a waiting pod's
      // affinity needs; a status report on a known pod changes nothing for waiting pods.
      if (before === undefined || assumed) this.queue.onClusterEvent(added || assumed ? "AssignedPodAdd" : "AssignedPodUpdate");
      else if (podChangeMatters(before, pod)) this.queue.onClusterEvent("AssignedPodUpdate");
      return;
    }
    if (terminated || (pod.spec?.schedulerName ?? defaultSchedulerName) !== this.schedulerName) return;
    // Being deleted: nothing to place (kube-scheduler skips these too).
    if (pod.metadata?.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null) {
      this.queue.delete(key);
      return;
    }
    // Its binding is in flight: the informer has not seen it yet.
    if (this.cache.isAssumed(key)) return;
    this.queue.update(newPodInfo(pod));
  }

  private podDeleted(pod: Pod): void {
    const key = podKey(pod);
    this.nominations.delete(key);
    this.queue.delete(key);
    if (this.cache.isPlaced(key)) {
      this.cache.removePod(pod);
      this.queue.onClusterEvent("AssignedPodDelete");
    }
  }

  /** One scheduling cycle for the next active pod; false when none is active. */
  scheduleOne(): boolean {
    const q = this.queue.pop();
    if (q === undefined) return false;
    const cycle = this.queue.cycle;
    const started = performance.now();
    this.stats.attempts++;
    let result;
    try {
      result = this.algorithm.schedule(q.pi);
    } catch (err) {
      this.log.error("scheduling cycle failed", { pod: q.key, error: String(err) });
      this.metrics.attempt("error", started);
      this.queue.addBackoff(q);
      return true;
    }
    if (result instanceof FitError) {
      this.metrics.attempt("unschedulable", started);
      this.handleFailure(q, cycle, result);
      return true;
    }
    const { nodeName, state } = result;
    if (this.cache.isPlaced(q.key)) {
      // Bound meanwhile by someone else: nothing left to do.
      this.queue.done(q.key);
      return true;
    }
    this.nominations.delete(q.key);
    this.cache.assumePod(q.pi, nodeName);
    const reserved = this.framework.runReserve(state, q.pi, nodeName);
    if (!isSuccess(reserved)) {
      this.metrics.attempt("error", started);
      this.cache.forgetPod(q.key);
      this.queue.addBackoff(q);
      return true;
    }
    this.stats.scheduled++;
    const binding = this.bind(q, state, nodeName, started);
    this.inFlightBinds.add(binding);
    void binding.finally(() => this.inFlightBinds.delete(binding));
    return true;
  }

  private async bind(q: QueuedPod, state: CycleState, nodeName: string, started: number): Promise<void> {
    const status = await this.framework.binder!.bind(q.pi, nodeName);
    if (isSuccess(status)) {
      this.queue.done(q.key);
      this.stats.bound++;
      this.metrics.attempt("scheduled", started);
      return;
    }
    this.stats.bindFailures++;
    this.metrics.attempt("error", started);
    this.log.warn("binding failed; retrying after backoff", { pod: q.key, node: nodeName, error: status.reasons.join(", ") });
    this.framework.runUnreserve(state, q.pi, nodeName);
    this.cache.forgetPod(q.key);
    // The resources it held are free again; waiting pods may fit.
    this.queue.onClusterEvent("AssignedPodDelete");
    this.queue.addBackoff(q);
    this.kick();
  }

  private handleFailure(q: QueuedPod, cycle: number, error: FitError): void {
    this.stats.unschedulable++;
    if (this.preemption && error.numAllNodes > 0) this.tryPreemption(q.pi, error);
    const message = error.describe();
    this.log.debug("unschedulable", { pod: q.key, message });
    this.options.recorder?.unschedulable(q.pi.pod, message);
    this.queue.addUnschedulable(q, cycle, error.rejectingPlugins());
  }

  private tryPreemption(pod: PodInfo, error: FitError): void {
    if (this.victimsStillTerminating(pod)) {
      error.postFilterMessage = "preemption: not eligible due to a terminating pod on the nominated node.";
      return;
    }
    const state = new CycleState();
    if (!isSuccess(this.framework.runPreFilter(state, pod))) return;
    const result = findPreemption({
      pod,
      nodes: this.cache.nodeInfos(),
      statuses: error.statuses,
      whatIf: (node) => this.framework.whatIf(state, pod, node),
    });
    if (!result.ok) {
      error.postFilterMessage = result.message;
      return;
    }
    this.stats.preemptions++;
    this.log.info("preempting", { pod: pod.key, node: result.nodeName, victims: result.victims.map((v) => v.key) });
    this.nominations.set(pod.key, { nodeName: result.nodeName, pi: pod });
    void this.options.recorder?.preempt(pod.pod, result.nodeName, result.victims.map((v) => v.pod)).catch((err: unknown) => {
      this.log.warn("preemption failed", { pod: pod.key, node: result.nodeName, error: String(err) });
    });
  }

  /** A preemptor whose earlier victims are still shutting down waits for them rather than evicting more. */
  private victimsStillTerminating(pod: PodInfo): boolean {
    const nomination = this.nominations.get(pod.key);
    const node = nomination === undefined ? undefined : this.cache.nodeInfo(nomination.nodeName);
    if (node === undefined) return false;
    for (const p of node.pods.values()) {
      const deleting = p.pod.metadata?.deletionTimestamp;
      if (p.priority < pod.priority && deleting !== undefined && deleting !== null) return true;
    }
    return false;
  }

  private nominatedPods(nodeName: string, pod: PodInfo): PodInfo[] {
    if (this.nominations.size === 0) return [];
    const out: PodInfo[] = [];
    for (const [key, n] of this.nominations) {
      if (n.nodeName === nodeName && key !== pod.key && n.pi.priority >= pod.priority) out.push(n.pi);
    }
    return out;
  }

  /** Schedules until no pod is active and no binding is in flight (tests and the core benchmark). */
  async drain(): Promise<void> {
    for (;;) {
      let n = 0;
      while (this.scheduleOne()) {
        // Let bind results and watch events in now and then, as the real loop would.
        if (++n % 32 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      }
      if (this.inFlightBinds.size === 0) return;
      await Promise.allSettled([...this.inFlightBinds]);
    }
  }
}
