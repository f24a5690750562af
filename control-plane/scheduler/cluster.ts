// How the scheduler meets the cluster. An in-memory fake implements these for
// tests (fake-cluster.ts); on the API server (api/), informers (list+watch of
// nodes and pods) feed ClusterSource, Binder posts to pods/<name>/binding, and
// the recorder writes the PodScheduled condition, Events and evictions.
import type { Node, Pod } from "./kube-types.ts";

export type ClusterEvent =
  | { type: "NodeAdded" | "NodeUpdated" | "NodeDeleted"; node: Node }
  | { type: "PodAdded" | "PodUpdated" | "PodDeleted"; pod: Pod };

export interface ClusterSource {
  /**
   * Calls the handler with every current node and pod as an Added event, then
   * with each change as it happens. Returns a function that stops the watch.
   */
  watch(handler: (event: ClusterEvent) => void): () => void;
}

export interface Binder {
  /** Binds the pod to the node; rejects if the binding was refused. */
  bind(pod: Pod, nodeName: string): Promise<void>;
}

export interface SchedulingRecorder {
  /** The pod fits nowhere: PodScheduled=False (reason Unschedulable) and a FailedScheduling event. */
  unschedulable(pod: Pod, message: string): void;
  /** Preemption chose a node: set status.nominatedNodeName on the pod, and evict the victims. */
  preempt(pod: Pod, nodeName: string, victims: readonly Pod[]): Promise<void>;
}
