// Builders of Pod and Node objects for the scheduler's tests and benchmark.
import { SchedulerCache } from "./framework/cache.ts";
import type { Affinity, Node, Pod, Taint, Toleration } from "./kube-types.ts";

export interface PodOptions {
  namespace?: string;
  cpu?: string;
  memory?: string;
  labels?: Record<string, string>;
  priority?: number;
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  affinity?: Affinity;
  tolerations?: Toleration[];
  owner?: string;
  image?: string;
  schedulerName?: string;
}

export function makePod(name: string, o: PodOptions = {}): Pod {
  const requests: Record<string, string> = {};
  if (o.cpu !== undefined) requests.cpu = o.cpu;
  if (o.memory !== undefined) requests.memory = o.memory;
  return {
    metadata: {
      name,
      namespace: o.namespace ?? "default",
      uid: `uid-${o.namespace ?? "default"}-${name}`,
      labels: o.labels,
      ownerReferences: o.owner === undefined ? undefined : [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: o.owner, uid: `rs-${o.owner}`, controller: true }],
    },
    spec: {
      containers: [{ name: "app", image: o.image ?? "demo-app", resources: { requests } }],
      priority: o.priority,
      nodeName: o.nodeName,
      nodeSelector: o.nodeSelector,
      affinity: o.affinity,
      tolerations: o.tolerations,
      schedulerName: o.schedulerName,
    },
  };
}

export interface NodeOptions {
  cpu?: string;
  memory?: string;
  pods?: string;
  labels?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
  images?: { names: string[]; sizeBytes: number }[];
}

export function makeNode(name: string, o: NodeOptions = {}): Node {
  const allocatable = { cpu: o.cpu ?? "4", memory: o.memory ?? "8Gi", pods: o.pods ?? "110" };
  return {
    metadata: { name, labels: { "kubernetes.io/hostname": name, ...o.labels } },
    spec: { taints: o.taints, unschedulable: o.unschedulable },
    status: { allocatable, capacity: allocatable, images: o.images },
  };
}

/** A cache holding the nodes, with each pod placed on its spec.nodeName. */
export function cacheWith(nodes: Node[], pods: Pod[] = []): SchedulerCache {
  const cache = new SchedulerCache();
  for (const n of nodes) cache.addNode(n);
  for (const p of pods) cache.addPod(p);
  return cache;
}
