// The horizontal pod autoscaler (autoscaling/v1, CPU utilisation target),
// as kube-controller-manager's "horizontalpodautoscaling" controller: every
// sync period each HPA reads its target's scale subresource, the pods its
// selector picks and their metrics, computes the replica count
// (replica-calculator.ts), scales the target and writes status.
import { type Named, splitKey } from "../api.ts";
import type { Clock } from "../clock.ts";
import type { Reconciler, SyncResult } from "../controller-loop.ts";
import { type DynamicApi, type ResourceInfo, resourceForKind } from "../dynamic/dynamic-api.ts";
import { WorkQueue } from "../work-queue.ts";
import type { AutoscalingClient, HpaStatus } from "./autoscaling-client.ts";
import { type PodUsage, type Recommendation, limitReplicas, millicores, proposedReplicas, stabilize, utilization } from "./replica-calculator.ts";

export interface AutoscalingOptions {
  /** kube's --horizontal-pod-autoscaler-sync-period (15 s). */
  syncPeriodMs?: number;
  /** kube's --horizontal-pod-autoscaler-downscale-stabilization (5 min). */
  downscaleStabilizationMs?: number;
}

type Hpa = Named & {
  spec?: { scaleTargetRef?: { apiVersion?: string; kind?: string; name?: string }; minReplicas?: number; maxReplicas?: number; targetCPUUtilizationPercentage?: number };
  status?: HpaStatus;
};

export class HorizontalPodAutoscalerController implements Reconciler {
  readonly name = "horizontalpodautoscaling";
  readonly queue: WorkQueue;
  private readonly hpas: ResourceInfo;
  private readonly history = new Map<string, Recommendation[]>();
  private readonly syncPeriodMs: number;
  private readonly windowMs: number;

  constructor(
    private readonly api: DynamicApi,
    private readonly clock: Clock,
    private readonly client: AutoscalingClient,
    opts: AutoscalingOptions = {},
  ) {
    this.queue = new WorkQueue(clock);
    this.syncPeriodMs = opts.syncPeriodMs ?? 15_000;
    this.windowMs = opts.downscaleStabilizationMs ?? 300_000;
    const hpas = api.resources().find((r) => r.group === "autoscaling" && r.resource === "horizontalpodautoscalers");
    if (hpas === undefined) throw new Error("the API server serves no horizontalpodautoscalers");
    this.hpas = hpas;
    api.cache(hpas).subscribe((e) => this.queue.add(`${e.object.metadata?.namespace ?? ""}/${e.object.metadata?.name ?? ""}`));
  }

  private scalePath(namespace: string, ref: NonNullable<NonNullable<Hpa["spec"]>["scaleTargetRef"]>): string {
    const target = resourceForKind(this.api.resources(), ref.apiVersion ?? "apps/v1", ref.kind ?? "");
    if (target === undefined) throw new Error(`no resource for ${ref.apiVersion ?? ""} ${ref.kind ?? ""}`);
    const base = target.group === "" ? `/api/${target.version}` : `/apis/${target.group}/${target.version}`;
    return `${base}/namespaces/${namespace}/${target.resource}/${ref.name ?? ""}/scale`;
  }

  /** CPU usage and requests of the target's running pods that have metrics; undefined if one lacks a CPU request. */
  private async podUsage(namespace: string, selector: string): Promise<PodUsage[] | undefined> {
    const [pods, metrics] = await Promise.all([this.client.pods(namespace, selector), this.client.podMetrics(namespace, selector)]);
    const byName = new Map(metrics.map((m) => [m.metadata?.name ?? "", m]));
    const out: PodUsage[] = [];
    for (const pod of pods) {
      if (pod.status?.phase !== "Running" || (pod.metadata?.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null)) continue;
      const m = byName.get(pod.metadata?.name ?? "");
      if (m === undefined) continue;
      const request = (pod.spec?.containers ?? []).reduce((s, c) => s + millicores(c.resources?.requests?.cpu), 0);
      if (request <= 0) return undefined;
      out.push({ usage: (m.containers ?? []).reduce((s, c) => s + millicores(c.usage?.cpu), 0), request });
    }
    return out;
  }

  async sync(key: string): Promise<SyncResult | void> {
    const { namespace, name } = splitKey(key);
    const hpa = this.api.cache(this.hpas).get(namespace, name) as Hpa | undefined;
    if (hpa === undefined) {
      this.history.delete(key);
      return;
    }
    const spec = hpa.spec ?? {};
    const path = this.scalePath(namespace, spec.scaleTargetRef ?? {});
    const scale = await this.client.getScale(path);
    const current = scale.spec?.replicas ?? 0;
    const min = spec.minReplicas ?? 1;
    const max = spec.maxReplicas ?? min;
    const status: HpaStatus = { observedGeneration: hpa.metadata?.generation, currentReplicas: scale.status?.replicas ?? current, desiredReplicas: current };
    if (hpa.status?.lastScaleTime !== undefined) status.lastScaleTime = hpa.status.lastScaleTime;
    // Zero replicas switches autoscaling off, as in Kubernetes.
    let desired = current;
    if (current > 0) {
      const usage = await this.podUsage(namespace, scale.status?.selector ?? "");
      const measured = usage === undefined ? undefined : utilization(usage);
      if (measured !== undefined) {
        status.currentCPUUtilizationPercentage = measured;
        const proposed = limitReplicas(proposedReplicas(current, measured, spec.targetCPUUtilizationPercentage ?? 80, usage!.length), current, min, max);
        desired = stabilize(this.history.get(key) ?? this.history.set(key, []).get(key)!, this.clock.now(), proposed, current, this.windowMs);
      } else {
        desired = Math.max(min, Math.min(max, current));
      }
    }
    status.desiredReplicas = desired;
    if (desired !== current) {
      await this.client.setScaleReplicas(path, desired);
      status.lastScaleTime = new Date(this.clock.now()).toISOString().replace(/\.\d+Z$/, "Z");
    }
    if (JSON.stringify(status) !== JSON.stringify(hpa.status)) await this.client.writeStatus(namespace, name, status);
    return { requeueAfterMs: this.syncPeriodMs };
  }
}
