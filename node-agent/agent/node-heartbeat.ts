// How a node stays known to the cluster: it registers its Node object
// (created, or labels and pod CIDR brought up to date when it exists from
// an earlier run), renews its Lease in kube-node-lease every renew interval
// (kubelet's 2 s heartbeat that the node lifecycle controller watches), and
// posts NodeStatus on change and at least every minute (kubelet's rule, in
// node-status.ts).
import type { V1Lease, V1Node } from "@kubernetes/client-node";
import { type ApiClient, isConflict, isNotFound, microTime } from "../../proto/kube/api-client.ts";
import { type NodeOptions, nodeObject, shouldPostStatus } from "../kubelet/node-status.ts";
import { type AgentLog, errorText, silentLog } from "./log.ts";

export type NodeApi = Pick<ApiClient, "get" | "create" | "replace" | "patch">;

export interface HeartbeatOptions {
  node: NodeOptions;
  leaseRenewMs: number;
  leaseDurationSeconds: number;
  statusUpdateMs: number;
  // Where the API server reaches this node's HTTPS endpoint (pods/log).
  kubeletPort?: number;
  log?: AgentLog;
  now?: () => Date;
}

const leasePath = (name: string): string => `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${encodeURIComponent(name)}`;

export class NodeHeartbeat {
  private posted: V1Node | undefined;
  private lease: V1Lease | undefined;
  private nodeUid: string | undefined;
  private timers: ReturnType<typeof setInterval>[] = [];
  private readonly log: AgentLog;
  private readonly now: () => Date;

  constructor(
    private readonly api: NodeApi,
    private readonly options: HeartbeatOptions,
  ) {
    this.log = options.log ?? silentLog;
    this.now = options.now ?? (() => new Date());
  }

  private get name(): string {
    return this.options.node.nodeName;
  }

  private get nodePath(): string {
    return `/api/v1/nodes/${encodeURIComponent(this.name)}`;
  }

  async register(): Promise<void> {
    const wanted = nodeObject(this.options.node, this.now());
    let node: V1Node;
    try {
      node = await this.api.create<V1Node>("/api/v1/nodes", wanted);
      this.log.info("node registered", { podCIDR: this.options.node.podCidr });
    } catch (err) {
      if (!isConflict(err)) throw err;
      // Registered by an earlier run: our labels and pod CIDR win, taints stay as the cluster set them.
      node = await this.api.patch<V1Node>(
        this.nodePath,
        { metadata: { labels: wanted.metadata?.labels }, spec: { podCIDR: wanted.spec?.podCIDR, podCIDRs: wanted.spec?.podCIDRs } },
        "merge",
      );
      this.log.info("node already registered, updated");
    }
    this.nodeUid = node.metadata?.uid;
    this.posted = undefined;
    await this.postStatus(true);
  }

  /** Posts status when kubelet's rule says so; returns whether it did. */
  async postStatus(force = false): Promise<boolean> {
    const now = this.now();
    const next = nodeObject(this.options.node, now, this.posted);
    if (!force && !shouldPostStatus(this.posted, next, now)) return false;
    const daemonEndpoints = this.options.kubeletPort !== undefined ? { daemonEndpoints: { kubeletEndpoint: { Port: this.options.kubeletPort } } } : {};
    await this.api.patch(`${this.nodePath}/status`, { status: { ...next.status, ...daemonEndpoints } }, "merge");
    this.posted = next;
    return true;
  }

  async renewLease(): Promise<void> {
    const path = leasePath(this.name);
    try {
      if (this.lease === undefined) this.lease = await this.api.get<V1Lease>(path);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const spec = { holderIdentity: this.name, leaseDurationSeconds: this.options.leaseDurationSeconds, renewTime: microTime(this.now()) };
    try {
      if (this.lease === undefined) {
        const owner = this.nodeUid !== undefined ? [{ apiVersion: "v1", kind: "Node", name: this.name, uid: this.nodeUid }] : undefined;
        this.lease = await this.api.create<V1Lease>("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: { name: this.name, namespace: "kube-node-lease", ...(owner !== undefined ? { ownerReferences: owner } : {}) },
          spec,
        } as unknown as V1Lease);
      } else {
        this.lease = await this.api.replace<V1Lease>(path, { ...this.lease, spec: { ...this.lease.spec, ...spec } } as unknown as V1Lease);
      }
    } catch (err) {
      // Someone else wrote it (or it is gone): read it again next time.
      this.lease = undefined;
      if (!isConflict(err) && !isNotFound(err)) throw err;
    }
  }

  /**
   * The node lifecycle controller marks a node whose Lease went stale
   * Ready=Unknown; only the node itself can say it is Ready again, as
   * kubelet does on its next status update. Checked on every renewal, so a
   * node back from a pause is Ready within one renew interval.
   */
  async reassertReady(): Promise<boolean> {
    if (this.posted === undefined) return false;
    const node = await this.api.get<V1Node>(this.nodePath);
    const ready = (n: V1Node | undefined): string | undefined => n?.status?.conditions?.find((c) => c.type === "Ready")?.status;
    if (ready(node) === ready(this.posted)) return false;
    this.log.info("node status on the server differs from ours; posting it again", { server: ready(node), ours: ready(this.posted) });
    await this.postStatus(true);
    return true;
  }

  start(): void {
    // One request of each kind at a time: a slow API server gets no pile-up.
    const guard = (what: string, f: () => Promise<unknown>) => {
      let busy = false;
      return () => {
        if (busy) return;
        busy = true;
        void f()
          .catch((err: unknown) => this.log.warn(`${what} failed`, { error: errorText(err) }))
          .finally(() => (busy = false));
      };
    };
    const renew = guard("lease renewal", async () => {
      await this.renewLease();
      await this.reassertReady();
    });
    renew();
    this.timers.push(setInterval(renew, this.options.leaseRenewMs));
    this.timers.push(setInterval(guard("node status", () => this.postStatus()), this.options.statusUpdateMs));
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }
}
