// What the generic REST machinery needs to know about one resource kind.
import type { DefaultTolerationSeconds } from "./kinds/default-tolerations.ts";
import type { StatusCause } from "../errors.ts";
import type { FieldGetter } from "../selectors/fields.ts";

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: Record<string, unknown>[];
  managedFields?: unknown[];
  [key: string]: unknown;
}

/** A Kubernetes object as JSON; kinds read their own fields from it. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

export type CellValue = string | number | boolean | null;

export interface Column {
  name: string;
  type: "string" | "integer" | "number" | "boolean" | "date";
  format?: string;
  /** 1: shown only with -o wide. */
  priority?: number;
  description?: string;
  cell(obj: KubeObject, now: number): CellValue;
}

/** Cluster-wide services a kind's hooks may use (allocators, other kinds' objects). */
export interface HookContext {
  allocateClusterIp(requested: string | undefined): Promise<string>;
  releaseClusterIp(ip: string): Promise<void>;
  allocateNodePort(requested: number | undefined): Promise<number>;
  releaseNodePort(port: number): Promise<void>;
  /** What DefaultTolerationSeconds admission gives new pods (skiff's defaults when absent). */
  readonly defaultTolerationSeconds?: DefaultTolerationSeconds;
}

export interface ScaleInfo {
  /** spec.replicas, status.replicas and the label selector of the scaled object. */
  specReplicas(obj: KubeObject): number;
  setSpecReplicas(obj: KubeObject, replicas: number): void;
  statusReplicas(obj: KubeObject): number;
  selector(obj: KubeObject): string;
}

export interface ResourceType {
  group: string;
  /** Served versions, the storage version first; objects are stored once. */
  versions: string[];
  resource: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  /** The @kubernetes/client-node model describing this kind, for field validation. */
  model: string;
  /** Has a status that only the status subresource writes. */
  statusSubresource: boolean;
  /** Has a spec whose changes bump metadata.generation. */
  hasSpec: boolean;
  scale?: ScaleInfo;
  /** Printed after NAME (and before AGE unless a column named AGE is given). */
  columns: Column[];
  /** Field selectors beyond metadata.name and metadata.namespace. */
  fields: Record<string, FieldGetter>;
  /** Fills defaults in place on create and update. */
  defaults?(obj: KubeObject): void;
  /** Checks a (defaulted) object; `old` on update. */
  validate?(obj: KubeObject, old: KubeObject | undefined): StatusCause[];
  /** Prepares a new object: clears or sets status as Kubernetes does. */
  prepareCreate?(obj: KubeObject): void;
  beforeCreate?(obj: KubeObject, ctx: HookContext): Promise<void>;
  /** Undoes beforeCreate when the write did not happen. */
  afterFailedCreate?(obj: KubeObject, ctx: HookContext): Promise<void>;
  beforeUpdate?(obj: KubeObject, old: KubeObject, ctx: HookContext): Promise<void>;
  /** After an update was written: release what `old` held and `obj` does not. */
  afterUpdate?(obj: KubeObject, old: KubeObject, ctx: HookContext): Promise<void>;
  afterDelete?(obj: KubeObject, ctx: HookContext): Promise<void>;
  /** Keeps fields a plain update may not change (a Namespace's spec.finalizers). */
  prepareUpdate?(obj: KubeObject, old: KubeObject): void;
  /** True while something beyond metadata.finalizers holds a deleted object (a Namespace's spec.finalizers). */
  holdsDeletion?(obj: KubeObject): boolean;
  /**
   * Seconds a delete leaves the object to terminate (deletionTimestamp set,
   * removed later); 0 removes it at once. `requested` is DeleteOptions.gracePeriodSeconds.
   */
  gracePeriod?(obj: KubeObject, requested: number | undefined): number;
  /** The verbs discovery lists (default: all of create, delete, get, list, patch, update, watch). */
  verbs?: string[];
  /** Removes fields the kind does not declare and returns their paths (custom resources: from their schema; built-ins use `model`). */
  pruneUnknownFields?(obj: KubeObject): string[];
  /** Custom resources take JSON merge and JSON patches only, as in Kubernetes. */
  refusesStrategicMerge?: boolean;
  /** What a delete without propagationPolicy does to dependents, by request version (Kubernetes' DefaultGarbageCollectionPolicy). */
  defaultGcPolicy?(version: string): "OrphanDependents" | "DeleteDependents";
}

export function apiVersionOf(group: string, version: string): string {
  return group === "" ? version : `${group}/${version}`;
}
