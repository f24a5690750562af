// One pass of the kubelet's pod worker: read the pod's containers from the
// engine, decide (computePodActions), act through the runtime, and derive
// the status to report. Level-triggered: running it again is always safe.
import type { V1Pod, V1PodStatus } from "@kubernetes/client-node";
import { RuntimeError } from "./runtime/errors.ts";
import type { DockerPodRuntime, RuntimePod } from "./runtime/pod-runtime.ts";
import type { RestartBackoff } from "./status/backoff.ts";
import { computePodActions } from "./status/pod-actions.ts";
import { derivePodStatus, type Waiting } from "./status/pod-status.ts";

export interface SyncResult {
  status: V1PodStatus;
  wakeAt?: number; // a back-off ends then: sync again
}

export interface ProbeView {
  livenessFailed?: ReadonlySet<string>;
  readiness?: ReadonlyMap<string, boolean>;
  startup?: ReadonlyMap<string, boolean>;
}

export class PodSyncer {
  constructor(
    private readonly runtime: DockerPodRuntime,
    private readonly backoff: RestartBackoff,
    private readonly clock: () => number,
  ) {}

  async sync(pod: V1Pod, probes: ProbeView = {}): Promise<SyncResult> {
    const uid = pod.metadata?.uid ?? "";
    const grace = pod.spec?.terminationGracePeriodSeconds ?? 30;
    const waiting = new Map<string, Waiting>();
    let wakeAt: number | undefined;
    let current = await this.runtime.getPod(uid);
    // Two rounds at most: starting the infra makes the first starts due.
    for (let round = 0; round < 2; round++) {
      const plan = computePodActions(pod, current, this.backoff, this.clock(), probes.livenessFailed);
      for (const [name, w] of plan.waiting) waiting.set(name, w);
      if (plan.wakeAt !== undefined) wakeAt = Math.min(wakeAt ?? Infinity, plan.wakeAt);
      if (plan.actions.length === 0) break;
      for (const action of plan.actions) {
        switch (action.type) {
          case "start-pod":
          case "recreate-pod":
            try {
              if (action.type === "start-pod") await this.runtime.startInfra(pod);
              else await this.recreate(pod, current, grace);
            } catch (err) {
              // e.g. a ConfigMap a volume needs is missing: every container waits.
              if (!(err instanceof RuntimeError)) throw err;
              for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) waiting.set(c.name, { reason: err.code, message: err.message });
            }
            break;
          case "kill-container": {
            const spec = pod.spec?.containers.find((c) => c.name === action.name);
            if (spec !== undefined) await this.runtime.killContainer(action.id, spec, current?.podIp ?? "", grace);
            else await this.runtime.stopContainer(action.id, grace);
            break;
          }
          case "start-container": {
            if (current?.infra === undefined || current.podIp === undefined) break;
            try {
              await this.runtime.startContainer(pod, action.container, action.kind, action.attempt, current.infra.id, current.podIp);
            } catch (err) {
              if (!(err instanceof RuntimeError)) throw err;
              waiting.set(action.container.name, { reason: err.code, message: err.message });
            }
            break;
          }
        }
      }
      current = await this.runtime.getPod(uid);
      // Only a new infra makes more starts due at once; what the started
      // containers do next is the next pass's business (so a container that
      // exits at once is not restarted within the pass that started it).
      if (!plan.actions.some((a) => a.type === "start-pod" || a.type === "recreate-pod")) break;
    }
    if (current !== undefined) await this.pruneAttempts(current);
    const status = derivePodStatus({
      pod,
      runtime: current,
      hostIp: this.runtime.options.hostIp,
      now: new Date(this.clock()),
      waiting,
      ...(probes.readiness !== undefined ? { readiness: probes.readiness } : {}),
      ...(probes.startup !== undefined ? { startup: probes.startup } : {}),
    });
    return { status, ...(wakeAt !== undefined ? { wakeAt } : {}) };
  }

  // The infra died: its containers have lost their network for good. Stop
  // what still runs, replace the infra (same address), keep the exited
  // containers so restart counts and last states carry on.
  private async recreate(pod: V1Pod, current: RuntimePod | undefined, grace: number): Promise<void> {
    for (const c of current?.containers ?? []) if (c.state === "running") await this.runtime.stopContainer(c.id, grace);
    if (current?.infra !== undefined) await this.runtime.options.docker.getContainer(current.infra.id).remove({ force: true });
    await this.runtime.startInfra(pod);
  }

  // Keep the latest two attempts of each container (the current one and
  // the one its lastState describes), as kubelet keeps one dead container.
  private async pruneAttempts(pod: RuntimePod): Promise<void> {
    const byName = new Map<string, number[]>();
    for (const c of pod.containers) byName.set(`${c.kind}/${c.name}`, [...(byName.get(`${c.kind}/${c.name}`) ?? []), c.attempt]);
    for (const c of pod.containers) {
      const attempts = (byName.get(`${c.kind}/${c.name}`) ?? []).sort((a, b) => b - a);
      if (c.state !== "running" && attempts.indexOf(c.attempt) >= 2) {
        await this.runtime.options.docker.getContainer(c.id).remove({ force: true });
      }
    }
  }
}
