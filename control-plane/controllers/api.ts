// What controllers need from the cluster: caches fed by list+watch, and
// writes. Controllers see only this interface, so the same code runs on the
// API server (kube-api.ts) and on an in-memory fake (fake-api.ts).
import type {
  V1CronJob,
  V1Job,
  V1DaemonSet,
  V1Deployment,
  V1Endpoints,
  V1Lease,
  V1Node,
  V1ObjectMeta,
  V1PersistentVolume,
  V1PersistentVolumeClaim,
  V1Pod,
  V1ReplicaSet,
  V1Service,
  V1StatefulSet,
  V1StorageClass,
} from "@kubernetes/client-node";

export interface KindMap {
  pods: V1Pod;
  replicasets: V1ReplicaSet;
  deployments: V1Deployment;
  services: V1Service;
  endpoints: V1Endpoints;
  nodes: V1Node;
  leases: V1Lease;
  jobs: V1Job;
  cronjobs: V1CronJob;
  statefulsets: V1StatefulSet;
  daemonsets: V1DaemonSet;
  persistentvolumes: V1PersistentVolume;
  persistentvolumeclaims: V1PersistentVolumeClaim;
  storageclasses: V1StorageClass;
}

export const allKinds: Kind[] = ["pods", "replicasets", "deployments", "nodes", "leases", "services", "endpoints", "jobs", "cronjobs", "statefulsets", "daemonsets", "persistentvolumes", "persistentvolumeclaims", "storageclasses"];

/** Kinds without a namespace: their namespace argument is "" and their key "/<name>". */
export const clusterScoped: ReadonlySet<Kind> = new Set(["nodes", "persistentvolumes", "storageclasses"]);

export type Kind = keyof KindMap;

export interface Named {
  metadata?: V1ObjectMeta;
}

export type CacheEvent<T> = { type: "add"; object: T } | { type: "update"; object: T; old: T } | { type: "delete"; object: T };

/** A read-only cache of one kind, kept current by a watch. */
export interface ObjectCache<T> {
  get(namespace: string, name: string): T | undefined;
  list(namespace?: string): T[];
  /** Handlers only enqueue keys; business logic lives in sync(key). */
  subscribe(handler: (event: CacheEvent<T>) => void): void;
}

export { ApiError, isConflict, isNotFound } from "../../proto/kube/api-client.ts";

export interface ClusterApi {
  cache<K extends Kind>(kind: K): ObjectCache<KindMap[K]>;
  create<K extends Kind>(kind: K, namespace: string, object: KindMap[K]): Promise<KindMap[K]>;
  /** A PUT carrying metadata.resourceVersion: a stale object fails with 409. */
  update<K extends Kind>(kind: K, object: KindMap[K]): Promise<KindMap[K]>;
  updateStatus<K extends Kind>(kind: K, object: KindMap[K]): Promise<KindMap[K]>;
  delete(kind: Kind, namespace: string, name: string, uid?: string): Promise<void>;
  /** Posts a core/v1 Event about the object (best effort: a lost event is only logged). */
  event?(object: Named & { kind?: string; apiVersion?: string }, type: "Normal" | "Warning", reason: string, message: string): void;
  /** Resolves once every cache has its initial list. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function keyOf(o: Named): string {
  return `${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}`;
}

export function splitKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf("/");
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** Milliseconds of a timestamp, whether it arrived as a string (watch) or a Date (typed list). */
export function timeOf(t: Date | string | undefined | null): number {
  if (t === undefined || t === null) return 0;
  return new Date(t).getTime();
}
