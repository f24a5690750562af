// The kubelet's level-triggered pass over the pods bound to this node: pods
// no longer bound are removed (containers, volumes, address), pods being
// deleted are stopped within their grace period and then reported gone,
// the others are synced and their probes ticked, and a status is written
// only when it changed. The API-server-backed source and writer plug in
// behind PodStatusWriter; the tests drive it with an in-memory one.
import { createHash } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import type { V1Pod, V1PodStatus } from "@kubernetes/client-node";
import { KubeletMetrics } from "./kubelet-metrics.ts";
import { PodSyncer } from "./pod-sync.ts";
import { ProbeManager } from "./probes/probe-manager.ts";
import { noObjects, volumeFiles } from "./runtime/objects.ts";
import type { DockerPodRuntime } from "./runtime/pod-runtime.ts";
import { RestartBackoff } from "./status/backoff.ts";

export interface PodStatusWriter {
  writeStatus(pod: V1Pod, status: V1PodStatus): Promise<void>;
  // The pod's containers are gone: the API object may be removed.
  podTerminated(pod: V1Pod): Promise<void>;
}

export interface PassResult {
  synced: number;
  removed: string[]; // uids of pods no longer bound here
  terminated: string[]; // uids of pods whose deletion finished
  wakeAt?: number; // the earliest back-off end
}

export class Kubelet {
  readonly probes: ProbeManager;
  /** kubelet's metrics (pod start latency, running pods and containers), served on the agent's /metrics. */
  readonly metrics: KubeletMetrics;
  private readonly backoff = new RestartBackoff();
  private readonly syncer: PodSyncer;
  private readonly written = new Map<string, V1PodStatus>();
  private readonly volumeContent = new Map<string, string>(); // uid → files' digest
  // Pods being stopped within their grace: in the background, so a long
  // grace never holds up the pass that starts other pods.
  private readonly terminating = new Map<string, Promise<void>>();
  private finished: string[] = [];

  constructor(
    private readonly runtime: DockerPodRuntime,
    private readonly writer: PodStatusWriter,
    private readonly clock: () => number = Date.now,
  ) {
    this.probes = new ProbeManager(runtime.options.docker);
    this.syncer = new PodSyncer(runtime, this.backoff, clock);
    this.metrics = new KubeletMetrics(runtime.options.nodeName, () => this.written.values());
  }

  async pass(pods: V1Pod[]): Promise<PassResult> {
    const result: PassResult = { synced: 0, removed: [], terminated: this.finished };
    this.finished = [];
    const bound = new Set(pods.map((p) => p.metadata?.uid ?? ""));
    const { removed } = await this.runtime.reconcile(bound);
    for (const uid of removed) this.forget(uid);
    result.removed = removed;
    // Pods are independent: each is synced on its own, all at once, as
    // kubelet's per-pod workers do (a pod starting never waits for another).
    const outcomes = await Promise.allSettled(pods.map((pod) => this.syncPod(pod, result)));
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === "rejected");
    if (failed !== undefined) throw failed.reason;
    return result;
  }

  private async syncPod(pod: V1Pod, result: PassResult): Promise<void> {
    const uid = pod.metadata?.uid ?? "";
    if (pod.metadata?.deletionTimestamp !== undefined) {
      if (!this.terminating.has(uid)) {
        const done = this.terminate(pod).finally(() => this.terminating.delete(uid));
        // A failure is retried by a later pass (the pod is still listed).
        this.terminating.set(uid, done.catch(() => undefined));
      }
      return;
    }
    // The start clock runs from the first pass that sees the pod.
    const seenAt = this.clock();
    const current = await this.runtime.getPod(uid);
    if (current !== undefined) await this.probes.tick(pod, current, this.clock());
    await this.refreshVolumesOnChange(pod, current !== undefined);
    const { status, wakeAt } = await this.syncer.sync(pod, this.probes.results(pod, await this.runtime.getPod(uid)));
    if (wakeAt !== undefined) result.wakeAt = Math.min(result.wakeAt ?? Infinity, wakeAt);
    result.synced++;
    this.metrics.podSynced(uid, status, { at: seenAt, existed: current !== undefined }, this.clock());
    // Also when the server's Ready disagrees with ours: the node lifecycle
    // controller marks a silent node's pods not Ready, and only the kubelet
    // says they are Ready again (kubelet's status manager reconciles the same way).
    if (!isDeepStrictEqual(this.written.get(uid), status) || readyOf(pod.status) !== readyOf(status)) {
      await this.writer.writeStatus(pod, status);
      this.written.set(uid, status);
    }
  }

  private async terminate(pod: V1Pod): Promise<void> {
    const uid = pod.metadata?.uid ?? "";
    const grace = pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
    await this.runtime.removePod(uid, grace, pod);
    this.forget(uid);
    await this.writer.podTerminated(pod);
    this.finished.push(uid);
  }

  /** Resolves when the pods being stopped now are done (tests, shutdown). */
  async terminations(): Promise<void> {
    await Promise.all(this.terminating.values());
  }

  // ConfigMap and Secret volumes follow their objects: rewritten when the
  // files they would hold differ from what was written last.
  private async refreshVolumesOnChange(pod: V1Pod, running: boolean): Promise<void> {
    const uid = pod.metadata?.uid ?? "";
    const ns = pod.metadata?.namespace ?? "default";
    const objects = this.runtime.options.objects ?? noObjects;
    const hash = createHash("sha256");
    for (const volume of pod.spec?.volumes ?? []) {
      if (volume.configMap === undefined && volume.secret === undefined) continue;
      try {
        for (const f of volumeFiles(objects, ns, volume)) hash.update(`${volume.name}/${f.path}:${f.mode}:`).update(f.content);
      } catch {
        return; // missing object: the pod waits, its status says why
      }
    }
    const digest = hash.digest("hex");
    const before = this.volumeContent.get(uid);
    this.volumeContent.set(uid, digest);
    if (running && before !== undefined && before !== digest) await this.runtime.refreshVolumes(pod);
  }

  private forget(uid: string): void {
    this.volumeContent.delete(uid);
    this.written.delete(uid);
    this.probes.forget(uid);
    this.metrics.forget(uid);
    this.backoff.forget(`${uid}/`);
  }
}

function readyOf(status: V1PodStatus | undefined): string | undefined {
  return status?.conditions?.find((c) => c.type === "Ready")?.status;
}
