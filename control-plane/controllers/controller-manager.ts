// Runs the controllers on one ClusterApi. Leadership is a seam: the manager
// runs its controllers only while a LeaderGate says this instance leads.
// Without --leader-elect the gate is alwaysLeader; with it, a Lease-based
// gate (lease-gate.ts, kube-system/kube-controller-manager).
import type { Logger } from "../logger.ts";
import type { ClusterApi } from "./api.ts";
import { type Clock, systemClock } from "./clock.ts";
import { ControllerLoop } from "./controller-loop.ts";
import { DeploymentController } from "./deployment/deployment-controller.ts";
import { NodeLifecycleController, type NodeLifecycleOptions, skiffNodeLifecycle } from "./nodelifecycle/node-lifecycle-controller.ts";
import { TaintEvictionController } from "./nodelifecycle/taint-eviction-controller.ts";
import { ReplicaSetController } from "./replicaset/replicaset-controller.ts";

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
  nodeLifecycle?: NodeLifecycleOptions;
}

export class ControllerManager {
  private readonly loops: ControllerLoop[] = [];
  private readonly gate: LeaderGate;
  private readonly workers: number;
  readonly replicaSets: ReplicaSetController;
  readonly deployments: DeploymentController;
  readonly nodeLifecycle: NodeLifecycleController;
  readonly taintEviction: TaintEvictionController;
  private stopped: Promise<void> | undefined;
  private readonly stopping = new AbortController();

  constructor(
    private readonly api: ClusterApi,
    private readonly log: Logger,
    opts: ControllerManagerOptions = {},
  ) {
    const clock = opts.clock ?? systemClock;
    this.gate = opts.gate ?? alwaysLeader();
    this.workers = opts.workers ?? 5;
    this.replicaSets = new ReplicaSetController(api, { clock });
    this.deployments = new DeploymentController(api, clock);
    this.nodeLifecycle = new NodeLifecycleController(api, clock, opts.nodeLifecycle ?? skiffNodeLifecycle, log.with({ controller: "nodelifecycle" }));
    this.taintEviction = new TaintEvictionController(api, clock, log.with({ controller: "taint-eviction" }));
  }

  /** Resolves once the caches are filled and the workers run. */
  async start(): Promise<void> {
    let started!: () => void;
    const ready = new Promise<void>((resolve) => (started = resolve));
    this.stopped = this.gate.run(async (lost) => {
      await this.api.start();
      for (const c of [this.replicaSets, this.deployments, this.nodeLifecycle, this.taintEviction]) {
        const loop = new ControllerLoop(c, this.log.with({ controller: c.name }));
        loop.run(this.workers);
        this.loops.push(loop);
      }
      this.log.info("controllers running", { controllers: ["replicaset", "deployment", "nodelifecycle", "taint-eviction"], workers: this.workers });
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
    await this.stopped;
  }
}
