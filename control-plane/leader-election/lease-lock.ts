// Where the leader election record lives: a coordination.k8s.io/v1 Lease.
// The interface is narrow (get, create, update with the read resourceVersion)
// so that tests run the elector on an in-memory lock.
import { ApiError, type ApiClient, isNotFound, microTime } from "../../proto/kube/api-client.ts";

export interface LeaderRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  /** RFC 3339 MicroTime strings, as the Lease carries them. */
  acquireTime: string;
  renewTime: string;
  leaseTransitions: number;
}

export interface VersionedRecord {
  record: LeaderRecord;
  resourceVersion: string;
}

export interface LeaseLock {
  /** The current record, or undefined when no Lease exists yet. */
  get(): Promise<VersionedRecord | undefined>;
  /** Creates the Lease; rejects with a conflict (409) if it exists already. */
  create(record: LeaderRecord): Promise<void>;
  /** Replaces the Lease if it is still at resourceVersion; rejects with a conflict (409) otherwise. */
  update(record: LeaderRecord, resourceVersion: string): Promise<void>;
  /** Names the lock in logs: "kube-system/kube-scheduler". */
  describe(): string;
}

interface LeaseObject {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
  spec?: Partial<LeaderRecord> & { holderIdentity?: string | null };
}

/** A Lease object reached through the API server. */
export class ApiLeaseLock implements LeaseLock {
  constructor(
    private readonly client: ApiClient,
    readonly namespace: string,
    readonly name: string,
  ) {}

  private get collection(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.namespace)}/leases`;
  }

  async get(): Promise<VersionedRecord | undefined> {
    let lease: LeaseObject;
    try {
      lease = await this.client.get<LeaseObject>(`${this.collection}/${encodeURIComponent(this.name)}`);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    const spec = lease.spec ?? {};
    return {
      resourceVersion: lease.metadata?.resourceVersion ?? "",
      record: {
        holderIdentity: spec.holderIdentity ?? "",
        leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
        acquireTime: spec.acquireTime ?? "",
        renewTime: spec.renewTime ?? "",
        leaseTransitions: spec.leaseTransitions ?? 0,
      },
    };
  }

  async create(record: LeaderRecord): Promise<void> {
    await this.client.create(this.collection, this.object(record));
  }

  async update(record: LeaderRecord, resourceVersion: string): Promise<void> {
    await this.client.replace(`${this.collection}/${encodeURIComponent(this.name)}`, this.object(record, resourceVersion));
  }

  describe(): string {
    return `${this.namespace}/${this.name}`;
  }

  private object(record: LeaderRecord, resourceVersion?: string): unknown {
    return {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: this.name, namespace: this.namespace, ...(resourceVersion === undefined ? {} : { resourceVersion }) },
      spec: { ...record, holderIdentity: record.holderIdentity === "" ? null : record.holderIdentity },
    };
  }
}

/** An in-memory lock with the API server's optimistic concurrency, for tests. */
export class MemoryLeaseLock implements LeaseLock {
  private current: VersionedRecord | undefined;
  private version = 0;
  /** Set to make every call fail, as an unreachable API server would. */
  unreachable = false;
  /** Set to make every call hang, as a connection to a dead server does. */
  hanging = false;

  async get(): Promise<VersionedRecord | undefined> {
    await this.check();
    return this.current === undefined ? undefined : { record: { ...this.current.record }, resourceVersion: this.current.resourceVersion };
  }

  async create(record: LeaderRecord): Promise<void> {
    await this.check();
    if (this.current !== undefined) throw new ApiError(409, "AlreadyExists", "leases already exists");
    this.current = { record: { ...record }, resourceVersion: String(++this.version) };
  }

  async update(record: LeaderRecord, resourceVersion: string): Promise<void> {
    await this.check();
    if (this.current === undefined) throw new ApiError(404, "NotFound", "leases not found");
    if (this.current.resourceVersion !== resourceVersion) throw new ApiError(409, "Conflict", "the object has been modified");
    this.current = { record: { ...record }, resourceVersion: String(++this.version) };
  }

  describe(): string {
    return "memory";
  }

  private async check(): Promise<void> {
    if (this.hanging) await new Promise<never>(() => undefined);
    if (this.unreachable) throw new Error("connect ECONNREFUSED");
  }
}

export { microTime };
