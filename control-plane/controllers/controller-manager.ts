// Runs the controllers on one ClusterApi. Leadership is a seam: the manager
// runs its controllers only while a LeaderGate says this instance leads.
// Without --leader-elect the gate is alwaysLeader; with it, a Lease-based
// gate (lease-gate.ts, kube-system/kube-controller-manager).
import type { Logger } from "../logger.ts";
import type { ClusterApi } from "./api.ts";
import { type Clock, systemClock } from "./clock.ts";
import { ControllerLoop, type Reconciler } from "./controller-loop.ts";
import { DeploymentController } from "./deployment/deployment-controller.ts";
import type { DynamicApi } from "./dynamic/dynamic-api.ts";
import { CronJobController } from "./cronjob/cronjob-controller.ts";
import { GarbageCollector } from "./garbagecollector/garbage-collector.ts";
import { JobController } from "./job/job-controller.ts";
import { NamespaceController } from "./namespace/namespace-controller.ts";
import { PodGcController, type PodGcOptions } from "./podgc/pod-gc-controller.ts";
import { EndpointsController } from "./endpoints/endpoints-controller.ts";
import { NodeLifecycleController, type NodeLifecycleOptions, skiffNodeLifecycle } from "./nodelifecycle/node-lifecycle-controller.ts";
import { TaintEvictionController } from "./nodelifecycle/taint-eviction-controller.ts";
import { ReplicaSetController } from "./replicaset/replicaset-controller.ts";
import { DaemonSetController } from "./daemonset/daemonset-controller.ts";
import { StatefulSetController } from "./statefulset/statefulset-controller.ts";
import { LocalProvisioner } from "./volume/local-provisioner.ts";
import type { AutoscalingClient } from "./podautoscaler/autoscaling-client.ts";
import { type AutoscalingOptions, HorizontalPodAutoscalerController } from "./podautoscaler/hpa-controller.ts";
import { WorkqueueMetrics } from "./workqueue-metrics.ts";
import { IpPool } from "./servicelb/ip-pool.ts";
import { ServiceLbController } from "./servicelb/service-lb-controller.ts";

export interface LeaderGate {
  /**
   * Calls lead() once this instance holds leadership; the signal aborts when
   * it is lost (the manager then stops and the process should exit, as
   * kube-controller-manager does). Resolves when the gate is stopped.
   */
  run(lead: (lost: AbortSignal) => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

/** No election: this instance always leads. */
export function alwaysLeader(): LeaderGate {
  const lost = new AbortController();
  return {
    run: (lead) => lead(lost.signal),
    stop: async () => lost.abort(),
  };
}

export interface ControllerManagerOptions {
  clock?: Clock;
  /** Workers per controller (kube's --concurrent-deployment-syncs, --concurrent-replicaset-syncs). */
  workers?: number;
  gate?: LeaderGate;
  /** The controllers that work on every kind (garbage collector, ...) need it; without it they do not run. */
  dynamic?: DynamicApi;
  /** Which controllers run, by kube's names (replicaset, deployment, garbagecollector, namespace, podgc); default all. */
  enabled?: (name: string) => boolean;
  podGc?: PodGcOptions;
  nodeLifecycle?: NodeLifecycleOptions;
  /** The HPA controller runs only with a client for scale, pods, metrics and status. */
  autoscaling?: AutoscalingOptions & { client: AutoscalingClient };
  /** The service-lb controller's pool ("a.b.c.d-a.b.c.e" or a CIDR); without it LoadBalancers stay <pending>. */
  loadBalancerIpRange?: string;
}

export const controllerNames = ["replicaset", "deployment", "endpoints", "nodelifecycle", "taint-eviction", "garbagecollector", "namespace", "podgc", "job", "cronjob", "daemonset", "statefulset", "local-volume", "horizontalpodautoscaling", "service-lb"];

export class ControllerManager {
  private readonly loops: ControllerLoop[] = [];
  private readonly gate: LeaderGate;
  private readonly workers: number;
  readonly replicaSets: ReplicaSetController;
  readonly deployments: DeploymentController;
  readonly endpoints: EndpointsController;
  readonly nodeLifecycle: NodeLifecycleController;
  readonly taintEviction: TaintEvictionController;
  readonly jobs: JobController;
  readonly cronJobs: CronJobController;
  readonly daemonSets: DaemonSetController;
  readonly statefulSets: StatefulSetController;
  readonly localVolumes: LocalProvisioner;
  readonly serviceLb: ServiceLbController | undefined;
  private stopped: Promise<void> | undefined;
  private readonly stopping = new AbortController();
  private readonly clock: Clock;
  private readonly dynamic: DynamicApi | undefined;
  private readonly enabled: (name: string) => boolean;
  private readonly podGc: PodGcOptions;
  private readonly autoscaling: ControllerManagerOptions["autoscaling"];
  /** client-go's workqueue metrics of every running controller (served by --metrics-bind-address). */
  readonly metrics = new WorkqueueMetrics();

  constructor(
    private readonly api: ClusterApi,
    private readonly log: Logger,
    opts: ControllerManagerOptions = {},
  ) {
    const clock = opts.clock ?? systemClock;
    this.clock = clock;
    this.dynamic = opts.dynamic;
    this.enabled = opts.enabled ?? (() => true);
    this.podGc = opts.podGc ?? {};
    this.autoscaling = opts.autoscaling;
    this.gate = opts.gate ?? alwaysLeader();
    this.workers = opts.workers ?? 5;
    this.replicaSets = new ReplicaSetController(api, { clock });
    this.deployments = new DeploymentController(api, clock);
    this.endpoints = new EndpointsController(api, clock);
    this.nodeLifecycle = new NodeLifecycleController(api, clock, opts.nodeLifecycle ?? skiffNodeLifecycle, log.with({ controller: "nodelifecycle" }));
    this.taintEviction = new TaintEvictionController(api, clock, log.with({ controller: "taint-eviction" }));
    this.jobs = new JobController(api, { clock });
    this.cronJobs = new CronJobController(api, { clock, log: log.with({ controller: "cronjob" }) });
    this.daemonSets = new DaemonSetController(api, { clock });
    this.statefulSets = new StatefulSetController(api, { clock });
    this.localVolumes = new LocalProvisioner(api, clock);
    if (opts.loadBalancerIpRange !== undefined) this.serviceLb = new ServiceLbController(api, clock, IpPool.parse(opts.loadBalancerIpRange));
  }

  /** Resolves once the caches are filled and the workers run. */
  async start(): Promise<void> {
    let started!: () => void;
    const ready = new Promise<void>((resolve) => (started = resolve));
    this.stopped = this.gate.run(async (lost) => {
      const reconcilers: Reconciler[] = [this.replicaSets, this.deployments, this.endpoints, this.nodeLifecycle, this.taintEviction, this.jobs, this.cronJobs, this.daemonSets, this.statefulSets, this.localVolumes];
      if (this.serviceLb !== undefined) reconcilers.push(this.serviceLb);
      // Queues report to the metrics before the caches fill, so the first adds count too.
      this.instrument(reconcilers);
      await this.api.start();
      if (this.dynamic !== undefined) {
        // Discovery first: these controllers subscribe to a cache per resource before the caches fill.
        await this.dynamic.discover();
        const dynamicReconcilers = this.dynamicControllers(this.dynamic);
        this.instrument(dynamicReconcilers);
        reconcilers.push(...dynamicReconcilers);
        await this.dynamic.start();
      }
      const running = reconcilers.filter((c) => this.enabled(c.name));
      for (const c of running) {
        const loop = new ControllerLoop(c, this.log.with({ controller: c.name }));
        loop.run(this.workers);
        this.loops.push(loop);
      }
      this.log.info("controllers running", { controllers: running.map((c) => c.name), workers: this.workers });
      started();
      // Lead until leadership is lost or the manager stops.
      await new Promise<void>((resolve) => {
        lost.addEventListener("abort", () => resolve(), { once: true });
        this.stopping.signal.addEventListener("abort", () => resolve(), { once: true });
      });
      if (!this.stopping.signal.aborted) {
        // Another instance leads now: stop acting at once, as kube-controller-manager does (it exits).
        this.log.warn("leadership lost, controllers stopped");
        await Promise.all(this.loops.map((l) => l.stop()));
      }
    });
    await Promise.race([ready, this.stopped]);
  }

  private instrument(reconcilers: readonly Reconciler[]): void {
    for (const c of reconcilers) {
      if (this.enabled(c.name)) c.queue.instrument(this.metrics.forQueue(c.name, () => c.queue.depth));
    }
  }

  private dynamicControllers(dynamic: DynamicApi): Reconciler[] {
    const out: Reconciler[] = [];
    if (this.enabled("garbagecollector")) out.push(new GarbageCollector(dynamic, this.clock));
    if (this.enabled("namespace")) out.push(new NamespaceController(dynamic, this.clock));
    if (this.enabled("podgc")) out.push(new PodGcController(dynamic, this.clock, this.podGc));
    if (this.enabled("horizontalpodautoscaling") && this.autoscaling !== undefined) out.push(new HorizontalPodAutoscalerController(dynamic, this.clock, this.autoscaling.client, this.autoscaling));
    return out;
  }

  /** Resolves when the manager no longer leads (leadership lost or stopped). */
  done(): Promise<void> {
    return this.stopped ?? Promise.resolve();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    // Work stops before leadership is given back, so two managers never act at once.
    await Promise.all(this.loops.map((l) => l.stop()));
    await this.gate.stop();
    await this.api.stop();
    await this.dynamic?.stop();
    await this.stopped;
  }
}
