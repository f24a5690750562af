// The node lifecycle controller: every --node-monitor-period it looks at
// every node; one whose Lease (kube-node-lease/<node>) and Ready condition
// have not changed for --node-monitor-grace-period gets Ready=Unknown, its
// pods Ready=False, and the unreachable taints (NoSchedule at once,
// NoExecute at its zone's eviction rate; taint-eviction-controller.ts then
// evicts pods whose tolerations run out). A node that reports Ready=False
// gets the not-ready taints. A node that is Ready again loses them. The pass
// over all nodes is one key, so the work queue runs it on one worker at a
// time and retries it like any other sync.
import type { V1Node, V1Pod, V1Taint } from "@kubernetes/client-node";
import type { Logger } from "../../logger.ts";
import { silentLogger } from "../../logger.ts";
import { type ClusterApi, isConflict, isNotFound } from "../api.ts";
import type { Clock } from "../clock.ts";
import type { SyncResult } from "../controller-loop.ts";
import { WorkQueue } from "../work-queue.ts";
import { NodeHealth, nodeLeaseNamespace, type Readiness, readyCondition } from "./node-health.ts";
import { desiredTaints, hasNoExecute, hasOwnedNoExecute, notReadyTaintKey, taintKeyFor, taintsOf, unreachableTaintKey } from "./node-taints.ts";
import { type EvictionRates, kubeEvictionRates, ZoneLimiter, zoneOf } from "./zone-limiter.ts";

export interface NodeLifecycleOptions {
  /** --node-monitor-grace-period: silence after which a node is Unknown (kube: 40 s; skiff: 4 s). */
  gracePeriodMs: number;
  /** --node-monitor-period: how often every node is looked at (kube: 5 s; skiff: 500 ms). */
  monitorPeriodMs: number;
  rates: EvictionRates;
}

export const skiffNodeLifecycle: NodeLifecycleOptions = { gracePeriodMs: 4000, monitorPeriodMs: 500, rates: kubeEvictionRates };

const passKey = "all-nodes";

function isoSeconds(ms: number): Date {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, "Z") as unknown as Date;
}

function sameTaints(a: V1Taint[], b: V1Taint[]): boolean {
  return a.length === b.length && a.every((t, i) => t === b[i]);
}

export class NodeLifecycleController {
  readonly name = "nodelifecycle";
  readonly queue: WorkQueue;
  private readonly health = new NodeHealth();
  private readonly limiter: ZoneLimiter;
  private inOutage = false;

  constructor(
    private readonly api: ClusterApi,
    private readonly clock: Clock,
    private readonly opts: NodeLifecycleOptions = skiffNodeLifecycle,
    private readonly log: Logger = silentLogger,
  ) {
    this.queue = new WorkQueue(clock);
    this.limiter = new ZoneLimiter(opts.rates);
    this.queue.add(passKey);
  }

  async sync(): Promise<SyncResult> {
    const now = this.clock.now();
    const nodes = this.api.cache("nodes").list();
    const leases = this.api.cache("leases");
    this.health.retain(new Set(nodes.map((n) => n.metadata?.name ?? "")));
    const seen = nodes.map((node) => ({ node, ...this.health.observe(node, leases.get(nodeLeaseNamespace, node.metadata?.name ?? ""), now, this.opts.gracePeriodMs) }));

    const counts = new Map<string, { ready: number; notReady: number }>();
    for (const s of seen) {
      if (s.readiness === undefined) continue;
      const c = counts.get(zoneOf(s.node)) ?? { ready: 0, notReady: 0 };
      if (s.readiness === "True") c.ready++;
      else c.notReady++;
      counts.set(zoneOf(s.node), c);
    }
    this.limiter.update(counts, now);
    const outage = this.limiter.allFullyDisrupted();
    if (outage !== this.inOutage) {
      (outage ? this.log.warn : this.log.info)(outage ? "every node is unhealthy: evictions stop until one is Ready again" : "a node is Ready again: evictions resume", { nodes: seen.length });
      this.inOutage = outage;
    }

    // The longest silent nodes take the zone's eviction tokens first.
    seen.sort((a, b) => b.silentForMs - a.silentForMs);
    let podsByNode: Map<string, V1Pod[]> | undefined;
    for (const s of seen) {
      if (s.readiness === undefined) continue;
      try {
        let node = s.node;
        if (s.readiness === "Unknown") {
          if (readyCondition(node)?.status !== "Unknown") node = await this.markUnknown(node, now, s.silentForMs);
          podsByNode ??= this.podsByNode();
          await this.markPodsNotReady(podsByNode.get(node.metadata?.name ?? "") ?? []);
        }
        await this.reconcileTaints(node, s.readiness, outage, now);
      } catch (err) {
        (isConflict(err) || isNotFound(err) ? this.log.debug : this.log.info)("node update failed, retried next pass", { node: s.node.metadata?.name, error: err instanceof Error ? err.message : String(err) });
      }
    }
    return { requeueAfterMs: this.opts.monitorPeriodMs };
  }

  private async markUnknown(node: V1Node, now: number, silentForMs: number): Promise<V1Node> {
    this.log.info("node stopped posting status: Ready=Unknown", { node: node.metadata?.name, silentForMs });
    const conditions = (node.status?.conditions ?? []).map((c) =>
      c.status === "Unknown" ? c : { ...c, status: "Unknown", reason: "NodeStatusUnknown", message: "Kubelet stopped posting node status.", lastTransitionTime: isoSeconds(now) },
    );
    if (!conditions.some((c) => c.type === "Ready")) {
      conditions.push({ type: "Ready", status: "Unknown", reason: "NodeStatusNeverUpdated", message: "Kubelet never posted node status.", lastTransitionTime: isoSeconds(now) } as never);
    }
    return this.api.updateStatus("nodes", { ...node, status: { ...node.status, conditions } });
  }

  private podsByNode(): Map<string, V1Pod[]> {
    const out = new Map<string, V1Pod[]>();
    for (const p of this.api.cache("pods").list()) {
      const n = p.spec?.nodeName;
      if (n === undefined || n === "") continue;
      const list = out.get(n);
      if (list === undefined) out.set(n, [p]);
      else list.push(p);
    }
    return out;
  }

  /** Pods of an unreachable node are no longer Ready (so Services stop sending them traffic). */
  private async markPodsNotReady(pods: V1Pod[]): Promise<void> {
    const now = this.clock.now();
    await Promise.all(
      pods.map(async (p) => {
        const conditions = p.status?.conditions ?? [];
        if (!conditions.some((c) => c.type === "Ready" && c.status === "True")) return;
        const next = conditions.map((c) => (c.type === "Ready" ? { ...c, status: "False", lastTransitionTime: isoSeconds(now) } : c));
        try {
          await this.api.updateStatus("pods", { ...p, status: { ...p.status, conditions: next } });
        } catch (err) {
          if (!isConflict(err) && !isNotFound(err)) throw err;
        }
      }),
    );
  }

  private async reconcileTaints(node: V1Node, readiness: Readiness, outage: boolean, now: number): Promise<void> {
    const key = taintKeyFor(readiness);
    let add = false;
    // Going from not-ready to unreachable (or back) swaps the taint without taking a new token, as kube does.
    if (key !== undefined && !outage && !hasNoExecute(node, key)) add = hasOwnedNoExecute(node) || this.limiter.tryAccept(zoneOf(node), now);
    let next = desiredTaints(node, readiness, add, now) ?? taintsOf(node);
    if (outage) next = next.filter((t) => !(t.effect === "NoExecute" && (t.key === notReadyTaintKey || t.key === unreachableTaintKey)));
    if (sameTaints(next, taintsOf(node))) return;
    this.log.info("node taints changed", { node: node.metadata?.name, readiness, taints: next.map((t) => `${t.key}:${t.effect}`) });
    await this.api.update("nodes", { ...node, spec: { ...node.spec, taints: next } });
  }
}
