// Binder and SchedulingRecorder on the API server, writing what
// kube-scheduler writes: a Binding through pods/<name>/binding, the
// PodScheduled=False condition through pods/<name>/status, core/v1 Events
// (Scheduled, FailedScheduling, Preempted) from "default-scheduler",
// status.nominatedNodeName of a preemptor, and deletion of its victims.
import { type ApiClient, isNotFound, microTime } from "../../../proto/kube/api-client.ts";
import { silentLogger, type Logger } from "../../logger.ts";
import type { Binder, SchedulingRecorder } from "../cluster.ts";
import type { Pod } from "../kube-types.ts";

function podPath(pod: Pod, sub = ""): string {
  const ns = encodeURIComponent(pod.metadata?.namespace ?? "default");
  return `/api/v1/namespaces/${ns}/pods/${encodeURIComponent(pod.metadata?.name ?? "")}${sub}`;
}

function keyOf(pod: Pod): string {
  return `${pod.metadata?.namespace ?? "default"}/${pod.metadata?.name ?? ""}`;
}

/** The writes this needs of ApiClient (a recording fake in the unit tests). */
export type ApiWriter = Pick<ApiClient, "create" | "patch" | "delete">;

/** A pod by uid, so that a pod deleted and created again under its name is reported afresh. */
function identityOf(pod: Pod): string {
  return pod.metadata?.uid ?? keyOf(pod);
}

export class ApiBinder implements Binder, SchedulingRecorder {
  private readonly log: Logger;
  /** The last unschedulable message written per pod, so a pod retried for the same reason is not written again. */
  private readonly reported = new Map<string, string>();
  private eventSeq = 0;

  constructor(
    private readonly client: ApiWriter,
    private readonly schedulerName: string,
    logger: Logger = silentLogger,
  ) {
    this.log = logger;
  }

  async bind(pod: Pod, nodeName: string): Promise<void> {
    await this.client.create(podPath(pod, "/binding"), {
      apiVersion: "v1",
      kind: "Binding",
      metadata: { name: pod.metadata?.name, namespace: pod.metadata?.namespace, uid: pod.metadata?.uid },
      target: { apiVersion: "v1", kind: "Node", name: nodeName },
    });
    this.reported.delete(identityOf(pod));
    this.event(pod, "Normal", "Scheduled", `Successfully assigned ${keyOf(pod)} to ${nodeName}`);
  }

  unschedulable(pod: Pod, message: string): void {
    const key = keyOf(pod);
    const id = identityOf(pod);
    if (this.reported.get(id) === message) return;
    // Bounded: entries go when pods bind; a flood of pods that never do must not grow it forever.
    if (this.reported.size > 50_000) this.reported.clear();
    this.reported.set(id, message);
    const condition = { type: "PodScheduled", status: "False", reason: "Unschedulable", message, lastProbeTime: null, lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, "Z") };
    this.client.patch(podPath(pod, "/status"), { status: { conditions: [condition] } }).catch((err: unknown) => {
      if (!isNotFound(err)) this.log.warn("could not set PodScheduled=False", { pod: key, error: String(err) });
      this.reported.delete(id);
    });
    this.event(pod, "Warning", "FailedScheduling", message);
  }

  async preempt(pod: Pod, nodeName: string, victims: readonly Pod[]): Promise<void> {
    await this.client.patch(podPath(pod, "/status"), { status: { nominatedNodeName: nodeName } });
    await Promise.all(
      victims.map(async (victim) => {
        try {
          await this.client.delete(podPath(victim));
        } catch (err) {
          if (!isNotFound(err)) throw err;
          return;
        }
        this.event(victim, "Normal", "Preempted", `Preempted by ${keyOf(pod)} on node ${nodeName}`);
      }),
    );
  }

  /** Posts a core/v1 Event about the pod; a lost event is logged, never retried (as client-go's recorder). */
  private event(pod: Pod, type: "Normal" | "Warning", reason: string, message: string): void {
    const now = new Date();
    const ns = pod.metadata?.namespace ?? "default";
    // client-go names events <object>.<unix nanoseconds in hex>; the sequence keeps two in one millisecond apart.
    const suffix = (BigInt(now.getTime()) * 1_000_000n + BigInt(this.eventSeq++ % 1_000_000)).toString(16);
    const body = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: `${pod.metadata?.name ?? ""}.${suffix}`, namespace: ns },
      involvedObject: { apiVersion: "v1", kind: "Pod", namespace: ns, name: pod.metadata?.name, uid: pod.metadata?.uid, resourceVersion: pod.metadata?.resourceVersion },
      reason,
      message,
      type,
      source: { component: this.schedulerName },
      reportingComponent: this.schedulerName,
      reportingInstance: this.schedulerName,
      firstTimestamp: now.toISOString().replace(/\.\d{3}Z$/, "Z"),
      lastTimestamp: now.toISOString().replace(/\.\d{3}Z$/, "Z"),
      eventTime: microTime(now),
      action: reason === "Scheduled" ? "Binding" : "Scheduling",
      count: 1,
    };
    this.client.create(`/api/v1/namespaces/${encodeURIComponent(ns)}/events`, body).catch((err: unknown) => {
      this.log.warn("could not post an event", { pod: keyOf(pod), reason, error: String(err) });
    });
  }
}
