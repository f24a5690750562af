// The node agent's Prometheus metrics under kubelet's names: how long pods
// took from the agent first seeing them to running, the running pods and
// containers (from the statuses the kubelet last wrote), and the node's name.
// A registry per kubelet: tests run several in one process.
import type { V1PodStatus } from "@kubernetes/client-node";
import { Gauge, Histogram, Registry } from "prom-client";

// kubelet's buckets for pod start: 0.5 s to 45 min.
const startBuckets = [0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120, 180, 240, 300, 360, 480, 600, 900, 1200, 1800, 2700, 3600];

export class KubeletMetrics {
  readonly registry = new Registry();
  private readonly podStart: Histogram;
  /** uid → when the kubelet first saw the pod (clock ms); removed once it runs. */
  private readonly firstSeen = new Map<string, number>();
  private readonly started = new Set<string>();

  constructor(nodeName: string, statuses: () => Iterable<V1PodStatus>) {
    const registers = [this.registry];
    this.podStart = new Histogram({
      name: "kubelet_pod_start_duration_seconds",
      help: "Duration in seconds from kubelet seeing a pod for the first time to the pod starting to run",
      buckets: startBuckets,
      registers,
    });
    new Gauge({
      name: "kubelet_running_pods",
      help: "Number of pods that have a running pod sandbox",
      registers,
      collect() {
        let n = 0;
        for (const s of statuses()) if (s.phase === "Running") n++;
        this.set(n);
      },
    });
    new Gauge({
      name: "kubelet_running_containers",
      help: "Number of containers currently running",
      labelNames: ["container_state"],
      registers,
      collect() {
        const counts = { running: 0, exited: 0, created: 0 };
        for (const s of statuses()) {
          for (const c of s.containerStatuses ?? []) {
            if (c.state?.running !== undefined) counts.running++;
            else if (c.state?.terminated !== undefined) counts.exited++;
            else counts.created++;
          }
        }
        for (const [state, n] of Object.entries(counts)) this.set({ container_state: state }, n);
      },
    });
    new Gauge({ name: "kubelet_node_name", help: "The node's name. The count is always 1.", labelNames: ["node"], registers }).set({ node: nodeName }, 1);
  }

  /**
   * A pass synced the pod, now with `status`; the first Running status ends
   * its start. A pod whose containers already existed when the agent first
   * saw it (adopted by a restarted agent) is not counted.
   */
  podSynced(uid: string, status: V1PodStatus, seen: { at: number; existed: boolean }, now: number): void {
    if (this.started.has(uid)) return;
    if (!this.firstSeen.has(uid) && seen.existed) {
      this.started.add(uid);
      return;
    }
    const seenAt = this.firstSeen.get(uid) ?? seen.at;
    this.firstSeen.set(uid, seenAt);
    if (status.phase !== "Running") return;
    this.podStart.observe((now - seenAt) / 1000);
    this.firstSeen.delete(uid);
    this.started.add(uid);
  }

  forget(uid: string): void {
    this.firstSeen.delete(uid);
    this.started.delete(uid);
  }
}
