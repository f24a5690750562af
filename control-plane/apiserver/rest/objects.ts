// The generic object operations every kind shares, over the storage
// interface: get, list (selectors, paging at one revision), create, update
// (compare-and-swap on resourceVersion), delete (finalizers) and the
// metadata rules of Kubernetes (uid, generateName, generation, timestamps).
import { randomUUID } from "node:crypto";
import { ApiError, alreadyExists, badRequest, conflict, gone, internal, invalid, notFound, qualified, unavailable } from "../errors.ts";
import type { HookContext, KubeObject, ResourceType } from "../registry/types.ts";
import { StorageError, type Storage, type StoredValue } from "../storage/storage.ts";
import { deepEqual } from "../patch/merge-patch.ts";
import { type Requirement, matchesLabels } from "../selectors/labels.ts";
import { type FieldRequirement, matchesFields } from "../selectors/fields.ts";
import { decodeObject, encodeObject, withVersion } from "./codec.ts";
import { type PropagationOptions, finalizersOnDelete, timestampIn } from "./deletion.ts";
import { decodeContinue, encodeContinue, listPrefix, objectKey } from "./keys.ts";
import { type NamespaceObjects, admitQuota, applyLimitRanges, quotaStatus } from "./quota.ts";

export interface Selectors {
  labels: Requirement[];
  fields: FieldRequirement[];
}

export interface ListOptions extends Selectors {
  limit: number;
  continueToken: string | undefined;
  resourceVersion: string | undefined;
  resourceVersionMatch: string | undefined;
  /** Read the local store member's copy without a quorum round (admission's view, like kube's informer caches). */
  serializable?: boolean;
}

export interface ListPage {
  items: KubeObject[];
  revision: number;
  continueToken: string | undefined;
  remaining: number | undefined;
}

export type Subresource = "" | "status" | "finalize";

const protectedNamespaces = new Set(["default", "kube-system", "kube-public"]);

export function storageFailure(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof StorageError) {
    if (err.code === "compacted") return gone("The resourceVersion for the provided list is too old.");
    if (err.code === "unavailable") return unavailable(`the store is unavailable: ${err.message}`);
  }
  return internal(err instanceof Error ? err.message : String(err));
}

type FieldGetters = Record<string, (o: Record<string, unknown>) => string>;

const meta = (o: Record<string, unknown>): Record<string, unknown> => (o.metadata as Record<string, unknown> | undefined) ?? {};
// Built once per kind: matches() runs for every object of a list and every watcher of an event.
const gettersByType = new WeakMap<ResourceType, FieldGetters>();

export function fieldGetters(type: ResourceType): FieldGetters {
  let getters = gettersByType.get(type);
  if (getters === undefined) {
    getters = {
      "metadata.name": (o) => String(meta(o).name ?? ""),
      "metadata.namespace": (o) => String(meta(o).namespace ?? ""),
      ...type.fields,
    };
    gettersByType.set(type, getters);
  }
  return getters;
}

export function matches(type: ResourceType, sel: Selectors, obj: KubeObject): boolean {
  if (sel.labels.length === 0 && sel.fields.length === 0) return true;
  return matchesLabels(sel.labels, obj.metadata.labels) && matchesFields(sel.fields, fieldGetters(type), obj as Record<string, unknown>);
}

function randomSuffix(): string {
  const alphabet = "bcdfghjklmnpqrstvwxz2456789";
  let s = "";
  for (let i = 0; i < 5; i++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
  return s;
}

function specOf(obj: KubeObject): unknown {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}

export class ObjectStore {
  constructor(
    readonly storage: Storage,
    private readonly hooks: HookContext,
    private readonly allTypes: ResourceType[],
  ) {}

  private async guard<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      throw storageFailure(err);
    }
  }

  async read(type: ResourceType, namespace: string | undefined, name: string): Promise<StoredValue> {
    const { value } = await this.guard(() => this.storage.get(objectKey(type, namespace, name)));
    if (value === undefined) throw notFound(type.resource, type.group, name);
    return value;
  }

  async get(type: ResourceType, version: string, namespace: string | undefined, name: string): Promise<KubeObject> {
    return decodeObject(type, version, await this.read(type, namespace, name));
  }

  async requireNamespace(namespace: string): Promise<KubeObject> {
    const ns = this.allTypes.find((t) => t.resource === "namespaces" && t.group === "")!;
    const { value } = await this.guard(() => this.storage.get(objectKey(ns, undefined, namespace)));
    if (value === undefined) throw notFound("namespaces", "", namespace);
    return decodeObject(ns, "v1", value);
  }

  async list(type: ResourceType, version: string, namespace: string | undefined, opts: ListOptions): Promise<ListPage> {
    const prefix = listPrefix(type, namespace);
    let revision = 0;
    let startKey: string | undefined;
    if (opts.continueToken !== undefined && opts.continueToken !== "") {
      const token = decodeContinue(opts.continueToken);
      revision = token.rv;
      startKey = `${prefix}${token.start}\u0000`;
    } else if (opts.resourceVersionMatch === "Exact" && opts.resourceVersion !== undefined) {
      revision = Number(opts.resourceVersion);
      if (!Number.isInteger(revision) || revision <= 0) throw badRequest(`invalid resourceVersion ${JSON.stringify(opts.resourceVersion)}`);
    }
    const items: KubeObject[] = [];
    const limit = opts.limit > 0 ? opts.limit : 0;
    let lastKey: string | undefined;
    for (;;) {
      let page;
      try {
        page = await this.storage.list(prefix, { revision, limit: limit === 0 ? 0 : limit - items.length + 1, startKey, serializable: opts.serializable === true });
      } catch (err) {
        if (err instanceof StorageError && err.code === "compacted" && opts.continueToken !== undefined) {
          throw gone("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.");
        }
        throw storageFailure(err);
      }
      // A read at an older revision answers with the newest in its header; the list is as of the one asked for.
      if (revision === 0) revision = page.revision;
      for (const kv of page.items) {
        if (limit > 0 && items.length === limit && lastKey !== undefined) {
          // Another key follows a full page: hand out a token that resumes after the last one.
          return { items, revision, continueToken: encodeContinue({ rv: revision, start: lastKey.slice(prefix.length) }), remaining: undefined };
        }
        lastKey = kv.key;
        const obj = decodeObject(type, version, kv);
        if (matches(type, opts, obj)) items.push(obj);
      }
      if (!page.more || page.items.length === 0) return { items, revision, continueToken: undefined, remaining: undefined };
      startKey = `${lastKey!}\u0000`;
    }
  }

  /** Sets what the server owns on a new object; validation and defaults follow. */
  private prepareNew(type: ResourceType, namespace: string | undefined, obj: KubeObject): void {
    const meta = obj.metadata;
    if ((meta.name === undefined || meta.name === "") && typeof meta.generateName === "string" && meta.generateName !== "") {
      meta.name = `${meta.generateName}${randomSuffix()}`;
    }
    if (type.namespaced) meta.namespace = namespace;
    else delete meta.namespace;
    meta.uid = randomUUID();
    meta.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.managedFields;
    delete meta.selfLink;
    if (type.hasSpec) meta.generation = 1;
    else delete meta.generation;
    type.prepareCreate?.(obj);
  }

  private check(type: ResourceType, obj: KubeObject, old: KubeObject | undefined): void {
    type.defaults?.(obj);
    const causes = type.validate?.(obj, old) ?? [];
    if (causes.length > 0) throw invalid(type.kind, type.group, obj.metadata.name ?? "", causes);
  }

  private renamed(err: unknown, type: ResourceType, name: string): unknown {
    if (err instanceof ApiError && err.code === 422 && err.details?.name === "") return invalid(type.kind, type.group, name, err.details.causes ?? []);
    return err;
  }

  async create(type: ResourceType, version: string, namespace: string | undefined, obj: KubeObject): Promise<KubeObject> {
    if (type.namespaced) {
      const ns = await this.requireNamespace(namespace ?? "");
      if (ns.metadata.deletionTimestamp !== undefined) {
        const message = `unable to create new content in namespace ${namespace ?? ""} because it is being terminated`;
        throw new ApiError(403, "Forbidden", `${qualified(type.resource, type.group)} "${obj.metadata.name ?? obj.metadata.generateName ?? ""}" is forbidden: ${message}`, {
          name: obj.metadata.name,
          group: type.group,
          kind: type.resource,
          causes: [{ reason: "NamespaceTerminating", message, field: "metadata.namespace" }],
        });
      }
    }
    this.prepareNew(type, namespace, obj);
    const policy = type.namespaced && namespace !== undefined ? this.namespacePolicy() : undefined;
    if (policy !== undefined && type.resource === "pods" && type.group === "") applyLimitRanges(obj, await policy.all(policy.typeOf("limitranges")!, namespace!));
    this.check(type, obj, undefined);
    const quotas = policy === undefined ? [] : await policy.all(policy.typeOf("resourcequotas")!, namespace!);
    if (policy !== undefined) await admitQuota(policy, quotas, type, namespace!, obj);
    const name = obj.metadata.name!;
    try {
      await type.beforeCreate?.(obj, this.hooks);
    } catch (err) {
      throw this.renamed(err, type, name);
    }
    let result;
    try {
      result = await this.storage.create(objectKey(type, namespace, name), encodeObject(type, obj));
    } catch (err) {
      await type.afterFailedCreate?.(obj, this.hooks);
      throw storageFailure(err);
    }
    if (!result.ok) {
      await type.afterFailedCreate?.(obj, this.hooks);
      throw alreadyExists(type.resource, type.group, name);
    }
    // A new quota is counted from a fresh read; other creates leave the quotas as admission read them.
    if (type.resource === "resourcequotas" && type.group === "") await this.refreshQuotas(namespace!);
    else if (quotas.length > 0) await this.refreshQuotas(namespace!, quotas);
    return withVersion(type, version, { ...obj, metadata: { ...obj.metadata, resourceVersion: String(result.revision) } });
  }

  /**
   * Replaces an object. `next` is what the client wants, built from the
   * current object `current` (read at `currentRevision`); a resourceVersion
   * in `next` must match the current one.
   */
  async update(type: ResourceType, version: string, namespace: string | undefined, name: string, next: KubeObject, subresource: Subresource, current?: StoredValue): Promise<KubeObject> {
    const stored = current ?? (await this.read(type, namespace, name));
    const old = decodeObject(type, version, stored);
    const rv = next.metadata.resourceVersion;
    if (rv !== undefined && rv !== "" && rv !== old.metadata.resourceVersion) {
      throw conflict(type.resource, type.group, name, "the object has been modified; please apply your changes to the latest version and try again");
    }
    if (next.metadata.name !== undefined && next.metadata.name !== name) {
      throw badRequest(`the name of the object (${next.metadata.name}) does not match the name on the URL (${name})`);
    }
    let obj: KubeObject;
    if (subresource === "status") {
      obj = { ...old, status: next.status };
    } else if (subresource === "finalize") {
      const finalizers = (next.spec as { finalizers?: unknown } | undefined)?.finalizers;
      obj = { ...old, spec: { ...((old.spec as Record<string, unknown> | undefined) ?? {}), finalizers: Array.isArray(finalizers) ? finalizers : [] } };
    } else {
      obj = { ...next, metadata: { ...next.metadata } };
      if (type.statusSubresource) {
        if (old.status === undefined) delete obj.status;
        else obj.status = old.status;
      }
      type.prepareUpdate?.(obj, old);
    }
    const meta = obj.metadata;
    meta.name = name;
    if (type.namespaced) meta.namespace = namespace;
    meta.uid = old.metadata.uid;
    meta.creationTimestamp = old.metadata.creationTimestamp;
    if (old.metadata.deletionTimestamp !== undefined) {
      meta.deletionTimestamp = old.metadata.deletionTimestamp;
      if (old.metadata.deletionGracePeriodSeconds !== undefined) meta.deletionGracePeriodSeconds = old.metadata.deletionGracePeriodSeconds;
    } else {
      delete meta.deletionTimestamp;
      delete meta.deletionGracePeriodSeconds;
    }
    delete meta.managedFields;
    if (type.hasSpec) meta.generation = old.metadata.generation ?? 1;
    meta.resourceVersion = old.metadata.resourceVersion;
    this.check(type, obj, old);
    if (type.hasSpec && !deepEqual(specOf(obj), specOf(old))) meta.generation = (old.metadata.generation ?? 1) + 1;
    if (deepEqual(obj, old)) return old;
    const graceDone = (meta.deletionGracePeriodSeconds ?? 0) === 0;
    if (meta.deletionTimestamp !== undefined && graceDone && (meta.finalizers ?? []).length === 0 && type.holdsDeletion?.(obj) !== true) {
      // The last finalizer is gone and no grace runs: the object goes away now.
      return this.remove(type, version, namespace, name, stored);
    }
    try {
      await type.beforeUpdate?.(obj, old, this.hooks);
    } catch (err) {
      throw this.renamed(err, type, name);
    }
    const result = await this.guard(() => this.storage.update(objectKey(type, namespace, name), encodeObject(type, obj), stored.modRevision));
    if (!result.ok) {
      if (result.current === undefined) throw notFound(type.resource, type.group, name);
      throw conflict(type.resource, type.group, name, "the object has been modified; please apply your changes to the latest version and try again");
    }
    await type.afterUpdate?.(obj, old, this.hooks);
    return withVersion(type, version, { ...obj, metadata: { ...meta, resourceVersion: String(result.revision) } });
  }

  /**
   * Read-modify-write that retries when another writer got in between, as
   * Kubernetes does for patches that carry no resourceVersion.
   */
  async modify(
    type: ResourceType,
    version: string,
    namespace: string | undefined,
    name: string,
    subresource: Subresource,
    change: (current: KubeObject) => KubeObject,
  ): Promise<KubeObject> {
    for (let attempt = 0; ; attempt++) {
      const stored = await this.read(type, namespace, name);
      const current = decodeObject(type, version, stored);
      const next = change(structuredClone(current));
      const pinned = next.metadata.resourceVersion !== current.metadata.resourceVersion;
      try {
        return await this.update(type, version, namespace, name, next, subresource, stored);
      } catch (err) {
        const retry = err instanceof ApiError && err.code === 409 && !pinned && attempt < 5;
        if (!retry) throw err;
      }
    }
  }

  private async remove(type: ResourceType, version: string, namespace: string | undefined, name: string, stored: StoredValue): Promise<KubeObject> {
    const result = await this.guard(() => this.storage.delete(objectKey(type, namespace, name), stored.modRevision));
    if (!result.ok) {
      if (result.current === undefined) throw notFound(type.resource, type.group, name);
      throw conflict(type.resource, type.group, name, "the object has been modified; please apply your changes to the latest version and try again");
    }
    const obj = decodeObject(type, version, result.previous);
    await type.afterDelete?.(obj, this.hooks);
    if (type.namespaced && namespace !== undefined) await this.refreshQuotas(namespace);
    return obj;
  }

  /**
   * The namespace's objects as quota admission reads them: each kind read
   * once per policy (a quota counts pods for several keys), so take a new
   * policy to see writes made since.
   */
  private namespacePolicy(): NamespaceObjects {
    const everything = { labels: [], fields: [], limit: 0, continueToken: undefined, resourceVersion: undefined, resourceVersionMatch: undefined, serializable: true };
    const read = new Map<string, Promise<KubeObject[]>>();
    return {
      all: (type, namespace) => {
        const key = `${type.group}/${type.resource}/${namespace}`;
        let items = read.get(key);
        if (items === undefined) read.set(key, (items = this.list(type, type.versions[0]!, namespace, everything).then((page) => page.items)));
        return items;
      },
      typeOf: (name) => {
        const [resource, ...group] = name.split(".");
        return this.allTypes.find((t) => t.resource === resource && t.group === group.join("."));
      },
    };
  }

  /** Writes each quota's status.used as counted now; best effort (admission counts afresh anyway). */
  private async refreshQuotas(namespace: string, quotas?: KubeObject[]): Promise<void> {
    const policy = this.namespacePolicy();
    const type = policy.typeOf("resourcequotas")!;
    for (const quota of quotas ?? (await policy.all(type, namespace))) {
      try {
        const status = await quotaStatus(policy, quota, namespace);
        await this.update(type, type.versions[0]!, namespace, quota.metadata.name!, { ...quota, status }, "status");
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
      }
    }
  }

  async delete(
    type: ResourceType,
    version: string,
    namespace: string | undefined,
    name: string,
    opts: PropagationOptions & { uid?: string; resourceVersion?: string; gracePeriodSeconds?: number },
  ): Promise<KubeObject> {
    const isNamespace = type.resource === "namespaces" && type.group === "";
    if (isNamespace && protectedNamespaces.has(name)) {
      throw new ApiError(403, "Forbidden", `namespaces "${name}" is forbidden: this namespace may not be deleted`, { name, kind: "namespaces" });
    }
    for (let attempt = 0; ; attempt++) {
      const stored = await this.read(type, namespace, name);
      const current = decodeObject(type, version, stored);
      if (opts.uid !== undefined && opts.uid !== current.metadata.uid) {
        throw conflict(type.resource, type.group, name, `Precondition failed: UID in precondition: ${opts.uid}, UID in object meta: ${current.metadata.uid ?? ""}`);
      }
      if (opts.resourceVersion !== undefined && opts.resourceVersion !== current.metadata.resourceVersion) {
        throw conflict(type.resource, type.group, name, `Precondition failed: ResourceVersion in precondition: ${opts.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion ?? ""}`);
      }
      if (isNamespace && current.metadata.deletionTimestamp !== undefined && type.holdsDeletion?.(current) === true) {
        throw conflict(type.resource, type.group, name, "The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.");
      }
      try {
        const changed = finalizersOnDelete(type, version, current.metadata.finalizers ?? [], opts);
        const finalizers = changed ?? current.metadata.finalizers ?? [];
        const held = finalizers.length > 0 || type.holdsDeletion?.(current) === true;
        const terminating = current.metadata.deletionTimestamp !== undefined;
        const before = current.metadata.deletionGracePeriodSeconds;
        // A second delete may only shorten the grace (kube's BeforeDelete).
        const requested = type.gracePeriod?.(current, opts.gracePeriodSeconds) ?? 0;
        const grace = terminating && before !== undefined ? Math.min(before, requested) : requested;
        if (!held && grace === 0) return await this.remove(type, version, namespace, name, stored);
        const shortened = !terminating || (before ?? 0) !== grace;
        if (terminating && changed === undefined && !shortened) return current;
        // Marked, not removed: a grace period to run out (a pod's kubelet
        // deletes it with grace 0 once stopped), or finalizers (the garbage
        // collector's among them), or a namespace's spec.finalizers hold it.
        const marked = structuredClone(current);
        if (shortened) {
          marked.metadata.deletionTimestamp = timestampIn(grace);
          marked.metadata.deletionGracePeriodSeconds = grace;
        }
        if (finalizers.length > 0) marked.metadata.finalizers = finalizers;
        else delete marked.metadata.finalizers;
        if (isNamespace) marked.status = { ...((marked.status as Record<string, unknown> | undefined) ?? {}), phase: "Terminating" };
        const result = await this.guard(() => this.storage.update(objectKey(type, namespace, name), encodeObject(type, marked), stored.modRevision));
        if (!result.ok) throw conflict(type.resource, type.group, name, "the object has been modified");
        return { ...marked, metadata: { ...marked.metadata, resourceVersion: String(result.revision) } };
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 409 && attempt < 5)) throw err;
      }
    }
  }
}
