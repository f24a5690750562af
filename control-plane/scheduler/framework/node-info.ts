// A node as the scheduler sees it: the Node object plus the sum of what the
// pods on it (bound and assumed) request.
import type { Node, Taint } from "../kube-types.ts";
import { labelsOf, type Labels } from "../labels.ts";
import { quantityMilliValue, quantityValue } from "../quantity.ts";
import { emptyResources, type PodInfo, type Resources } from "./pod-info.ts";

const noTaints: readonly Taint[] = Object.freeze([]);

export class NodeInfo {
  node!: Node;
  name!: string;
  labels!: Labels;
  taints!: readonly Taint[];
  allocatable!: Resources;
  allowedPods!: number;
  /** image name → size in bytes, from node.status.images */
  images!: Map<string, number>;

  readonly pods = new Map<string, PodInfo>();
  readonly requested: Resources = emptyResources();
  /** Requests with pods that ask for nothing counted at a default size; used for scoring. */
  nonZeroMilliCpu = 0;
  nonZeroMemory = 0;

  constructor(node: Node) {
    this.setNode(node);
  }

  setNode(node: Node): void {
    this.node = node;
    this.name = node.metadata?.name ?? "";
    this.labels = labelsOf(node);
    this.taints = node.spec?.taints ?? noTaints;
    // API defaulting copies capacity into allocatable when the node reports none.
    const list = node.status?.allocatable ?? node.status?.capacity ?? {};
    const allocatable = emptyResources();
    let pods = 0;
    for (const [name, text] of Object.entries(list)) {
      if (name === "cpu") allocatable.milliCpu = quantityMilliValue(text);
      else if (name === "memory") allocatable.memory = quantityValue(text);
      else if (name === "pods") pods = quantityValue(text);
      else allocatable.scalar.set(name, quantityValue(text));
    }
    this.allocatable = allocatable;
    this.allowedPods = pods;
    this.images = new Map();
    for (const image of node.status?.images ?? []) {
      for (const name of image.names ?? []) this.images.set(name, image.sizeBytes ?? 0);
    }
  }

  addPod(pi: PodInfo): void {
    if (this.pods.has(pi.key)) this.removePod(pi.key);
    this.pods.set(pi.key, pi);
    this.account(pi, 1);
  }

  removePod(key: string): PodInfo | undefined {
    const pi = this.pods.get(key);
    if (pi === undefined) return undefined;
    this.pods.delete(key);
    this.account(pi, -1);
    return pi;
  }

  private account(pi: PodInfo, sign: 1 | -1): void {
    const r = this.requested;
    r.milliCpu += sign * pi.requests.milliCpu;
    r.memory += sign * pi.requests.memory;
    for (const [name, v] of pi.requests.scalar) r.scalar.set(name, (r.scalar.get(name) ?? 0) + sign * v);
    this.nonZeroMilliCpu += sign * pi.nonZeroMilliCpu;
    this.nonZeroMemory += sign * pi.nonZeroMemory;
  }

  /** A copy whose pods can be added and removed without touching this one (preemption's what-if). */
  clone(): NodeInfo {
    const copy = new NodeInfo(this.node);
    for (const pi of this.pods.values()) copy.addPod(pi);
    return copy;
  }
}
