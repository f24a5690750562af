// An in-memory cluster for tests and the core benchmark: it holds nodes and
// pods, delivers their changes as an informer would, binds by setting
// spec.nodeName, and records what the scheduler reports.
import type { Binder, ClusterEvent, ClusterSource, SchedulingRecorder } from "./cluster.ts";
import { podKey } from "./framework/pod-info.ts";
import type { Node, Pod } from "./kube-types.ts";

export interface FakeClusterOptions {
  /** Decides whether a binding fails (and with what message); default: never. */
  bindFailure?: (pod: Pod, nodeName: string) => string | undefined;
  /** Called after each successful binding (the benchmark timestamps them here). */
  onBound?: (pod: Pod, nodeName: string) => void;
  /** Evicted pods only start terminating (deletionTimestamp set) until finishTerminating(). */
  gracefulEviction?: boolean;
}

export class FakeCluster implements ClusterSource, Binder, SchedulingRecorder {
  readonly nodes = new Map<string, Node>();
  readonly pods = new Map<string, Pod>();
  readonly unschedulableMessages = new Map<string, string>();
  readonly nominated = new Map<string, string>();
  readonly evicted: string[] = [];
  private readonly handlers = new Set<(e: ClusterEvent) => void>();

  constructor(private readonly options: FakeClusterOptions = {}) {}

  watch(handler: (e: ClusterEvent) => void): () => void {
    for (const node of this.nodes.values()) handler({ type: "NodeAdded", node });
    for (const pod of this.pods.values()) handler({ type: "PodAdded", pod });
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  private emit(e: ClusterEvent): void {
    for (const h of this.handlers) h(e);
  }

  addNode(node: Node): void {
    const name = node.metadata?.name ?? "";
    const existed = this.nodes.has(name);
    this.nodes.set(name, node);
    this.emit({ type: existed ? "NodeUpdated" : "NodeAdded", node });
  }

  deleteNode(name: string): void {
    const node = this.nodes.get(name);
    if (node === undefined) return;
    this.nodes.delete(name);
    this.emit({ type: "NodeDeleted", node });
  }

  createPod(pod: Pod): void {
    const key = podKey(pod);
    const existed = this.pods.has(key);
    this.pods.set(key, pod);
    this.emit({ type: existed ? "PodUpdated" : "PodAdded", pod });
  }

  deletePod(key: string): void {
    const pod = this.pods.get(key);
    if (pod === undefined) return;
    this.pods.delete(key);
    this.emit({ type: "PodDeleted", pod });
  }

  /** Binds after a microtask, and the informer's update follows, as over the network but without delay. */
  async bind(pod: Pod, nodeName: string): Promise<void> {
    await Promise.resolve();
    const key = podKey(pod);
    const current = this.pods.get(key);
    if (current === undefined) throw new Error(`pods "${pod.metadata?.name}" not found`);
    if (current.spec?.nodeName) throw new Error(`pod ${key} is already assigned to node "${current.spec.nodeName}"`);
    const failure = this.options.bindFailure?.(pod, nodeName);
    if (failure !== undefined) throw new Error(failure);
    const bound: Pod = { ...current, spec: { ...current.spec!, nodeName } };
    this.pods.set(key, bound);
    this.unschedulableMessages.delete(key);
    this.options.onBound?.(bound, nodeName);
    this.emit({ type: "PodUpdated", pod: bound });
  }

  unschedulable(pod: Pod, message: string): void {
    this.unschedulableMessages.set(podKey(pod), message);
  }

  async preempt(pod: Pod, nodeName: string, victims: readonly Pod[]): Promise<void> {
    this.nominated.set(podKey(pod), nodeName);
    for (const v of victims) {
      const key = podKey(v);
      this.evicted.push(key);
      const current = this.pods.get(key);
      if (this.options.gracefulEviction === true && current !== undefined) {
        this.createPod({ ...current, metadata: { ...current.metadata, deletionTimestamp: new Date() } });
      } else {
        this.deletePod(key);
      }
    }
  }

  /** Deletes every pod that is terminating (graceful eviction's end). */
  finishTerminating(): void {
    for (const [key, pod] of this.pods) if (pod.metadata?.deletionTimestamp !== undefined) this.deletePod(key);
  }

  nodeOf(key: string): string | undefined {
    return this.pods.get(key)?.spec?.nodeName;
  }
}
