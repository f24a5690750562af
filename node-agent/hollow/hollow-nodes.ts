// Hollow nodes, as Kubernetes' kubemark: each registers a Node, renews its
// Lease in kube-node-lease, and marks the pods bound to it Running and
// Ready through the status subresource, without any container. Thousands
// run in one process on shared watches (one for pods, one for nodes, not
// one per node) and one HTTP client, so that tests and `skiff bench
// scheduling` can stand up a large cluster without Docker.
import { type KubernetesListObject, type KubernetesObject, KubeConfig, makeInformer, type V1Lease, type V1Node, type V1Pod, type V1Taint } from "@kubernetes/client-node";
import { ApiClient, isConflict, isNotFound, microTime } from "../../proto/kube/api-client.ts";

export interface HollowNodeSpec {
  name: string;
  labels?: Record<string, string>;
  taints?: V1Taint[];
  cpu?: string;
  memory?: string;
  pods?: string;
}

export interface HollowNodesOptions {
  /** Lease renewals per node, every this many ms; 0: no Lease at all (a bench's nodes that never die). */
  heartbeatMs?: number;
  /** Mark bound pods Running and Ready (kubemark's hollow kubelet); off gives scheduler_perf's shape. */
  runPods?: boolean;
  /** Requests in flight at most (registrations, renewals, pod status). */
  concurrency?: number;
  onError?: (what: string, err: unknown) => void;
}

const leaseNamespace = "kube-node-lease";
type Informer<T extends KubernetesObject> = ReturnType<typeof makeInformer<T>>;

/** A bounded pool of requests in flight. */
class Limiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly max: number) {}

  async run<T>(op: () => Promise<T>): Promise<T> {
    if (this.running >= this.max) await new Promise<void>((r) => this.waiting.push(r));
    this.running++;
    try {
      return await op();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}

export class HollowNodes {
  private readonly client: ApiClient;
  private readonly limiter: Limiter;
  private readonly heartbeatMs: number;
  private readonly runPods: boolean;
  private readonly onError: (what: string, err: unknown) => void;
  /** Nodes that this process runs, and whether each is alive (heartbeats and pod status). */
  private readonly nodes = new Map<string, { alive: boolean }>();
  /** Pods whose status write is in flight, by uid. */
  private readonly inFlight = new Set<string>();
  private podInformer: Informer<V1Pod> | undefined;
  private nodeInformer: Informer<V1Node> | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private stopping = false;
  private readonly retries = new Set<ReturnType<typeof setTimeout>>();
  /** Pod status writes made (for benches and tests). */
  podsStarted = 0;

  constructor(
    private readonly kc: KubeConfig,
    opts: HollowNodesOptions = {},
  ) {
    this.client = new ApiClient(kc);
    this.heartbeatMs = opts.heartbeatMs ?? 1000;
    this.runPods = opts.runPods ?? true;
    this.limiter = new Limiter(opts.concurrency ?? 32);
    this.onError = opts.onError ?? (() => undefined);
  }

  static fromFile(path: string, opts?: HollowNodesOptions): HollowNodes {
    const kc = new KubeConfig();
    kc.loadFromFile(path);
    return new HollowNodes(kc, opts);
  }

  /** Starts the shared watches and the heartbeat; add nodes before or after. */
  async start(): Promise<void> {
    if (this.runPods) {
      this.podInformer = this.informer<V1Pod>("/api/v1/pods");
      this.podInformer.on("add", (p) => this.onPod(p));
      this.podInformer.on("update", (p) => this.onPod(p));
    }
    this.nodeInformer = this.informer<V1Node>("/api/v1/nodes");
    this.nodeInformer.on("update", (n) => this.onNode(n));
    await Promise.all([this.podInformer?.start(), this.nodeInformer.start()]);
    if (this.heartbeatMs > 0) this.timer = setInterval(() => this.heartbeat(), this.heartbeatMs);
  }

  private informer<T extends KubernetesObject>(path: string): Informer<T> {
    const informer = makeInformer<T>(this.kc, path, () => this.client.get<KubernetesListObject<T>>(path));
    // client-node informers stop on a broken watch: start again from the last resourceVersion.
    informer.on("error", () => {
      if (this.stopping) return;
      const t = setTimeout(() => {
        this.retries.delete(t);
        if (!this.stopping) void informer.start().catch(() => undefined);
      }, 500);
      this.retries.add(t);
    });
    return informer;
  }

  /** Registers nodes (Node, Ready=True, and Lease), concurrently; resolves when all are written. */
  async add(specs: HollowNodeSpec[]): Promise<void> {
    await Promise.all(specs.map((s) => this.limiter.run(() => this.register(s))));
  }

  private async register(s: HollowNodeSpec): Promise<void> {
    const resources = { cpu: s.cpu ?? "4", memory: s.memory ?? "32Gi", pods: s.pods ?? "110" };
    const node: V1Node = {
      apiVersion: "v1",
      kind: "Node",
      metadata: { name: s.name, labels: { "kubernetes.io/hostname": s.name, "kubernetes.io/os": "linux", "skiff.dev/hollow": "true", ...s.labels } },
      spec: s.taints === undefined ? {} : { taints: s.taints },
      status: { capacity: resources, allocatable: resources, conditions: [this.readyCondition() as never], nodeInfo: { kubeletVersion: "v1.20.0-hollow" } as never },
    };
    try {
      await this.client.create("/api/v1/nodes", node);
    } catch (err) {
      if (!isConflict(err)) throw err;
      await this.client.patch(`/api/v1/nodes/${s.name}/status`, { status: { conditions: [this.readyCondition()] } }, "merge");
    }
    this.nodes.set(s.name, { alive: true });
    // Without heartbeats there is no Lease to keep (a bench's nodes that never die): 1 write per node, not 2.
    if (this.heartbeatMs > 0) await this.renew(s.name);
  }

  private readyCondition(): { type: string; status: string; reason: string; message: string; lastHeartbeatTime: string; lastTransitionTime: string } {
    const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    return { type: "Ready", status: "True", reason: "KubeletReady", message: "hollow kubelet is posting ready status", lastHeartbeatTime: now, lastTransitionTime: now };
  }

  private async renew(name: string): Promise<void> {
    const path = `/apis/coordination.k8s.io/v1/namespaces/${leaseNamespace}/leases/${name}`;
    const renewTime = microTime(new Date());
    try {
      await this.client.patch(path, { spec: { holderIdentity: name, renewTime } }, "merge");
    } catch (err) {
      if (!isNotFound(err)) throw err;
      const durationS = Math.max(1, Math.ceil((4 * (this.heartbeatMs || 10_000)) / 1000));
      const lease: V1Lease = { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name, namespace: leaseNamespace }, spec: { holderIdentity: name, leaseDurationSeconds: durationS, renewTime: renewTime as never } };
      await this.client.create(`/apis/coordination.k8s.io/v1/namespaces/${leaseNamespace}/leases`, lease);
    }
  }

  private heartbeat(): void {
    for (const [name, state] of this.nodes) {
      if (!state.alive) continue;
      // A node paused while its renewal waited for a slot renews nothing.
      void this.limiter.run(async () => (state.alive ? this.renew(name) : undefined)).catch((err) => this.onError(`renew ${name}`, err));
    }
  }

  /** The node lifecycle controller marked a live node Unknown: say Ready again, as a kubelet does. */
  private onNode(n: V1Node): void {
    const name = n.metadata?.name ?? "";
    if (this.nodes.get(name)?.alive !== true) return;
    const ready = (n.status?.conditions ?? []).find((c) => c.type === "Ready");
    if (ready?.status === "True") return;
    void this.limiter
      .run(() => this.client.patch(`/api/v1/nodes/${name}/status`, { status: { conditions: [this.readyCondition()] } }, "merge"))
      .catch((err) => this.onError(`ready ${name}`, err));
  }

  private onPod(p: V1Pod): void {
    const node = p.spec?.nodeName;
    const uid = p.metadata?.uid ?? "";
    if (node === undefined || node === "" || this.nodes.get(node)?.alive !== true) return;
    const ready = (p.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
    if (this.inFlight.has(uid)) return;
    if (p.metadata?.deletionTimestamp !== undefined && p.metadata.deletionTimestamp !== null) {
      this.finish(p);
      return;
    }
    if (p.status?.phase === "Running" && ready) return;
    this.inFlight.add(uid);
    const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    const conditions = ["PodScheduled", "Initialized", "ContainersReady", "Ready"].map((type) => ({ type, status: "True", lastTransitionTime: now }));
    const containerStatuses = (p.spec?.containers ?? []).map((c) => ({ name: c.name, image: c.image, imageID: "", ready: true, started: true, restartCount: 0, state: { running: { startedAt: now } } }));
    const status = { phase: "Running", conditions, containerStatuses, hostIP: "10.0.0.1", startTime: now };
    const path = `/api/v1/namespaces/${p.metadata?.namespace ?? ""}/pods/${p.metadata?.name ?? ""}/status`;
    void this.limiter
      .run(() => this.client.patch(path, { status }, "merge"))
      .then(() => this.podsStarted++)
      .catch((err) => {
        if (!isNotFound(err)) this.onError(`start ${path}`, err);
      })
      .finally(() => this.inFlight.delete(uid));
  }

  // A hollow pod has nothing to stop: a graceful delete ends at once, as a kubelet's would with grace 0.
  private finish(p: V1Pod): void {
    const uid = p.metadata?.uid ?? "";
    this.inFlight.add(uid);
    const path = `/api/v1/namespaces/${p.metadata?.namespace ?? ""}/pods/${p.metadata?.name ?? ""}`;
    void this.limiter
      .run(() => this.client.delete(path, { apiVersion: "v1", kind: "DeleteOptions", gracePeriodSeconds: 0, preconditions: { uid } }))
      .catch((err) => {
        if (!isNotFound(err) && !isConflict(err)) this.onError(`finish ${path}`, err);
      })
      .finally(() => this.inFlight.delete(uid));
  }

  /** Stops one node's heartbeats and pod work, as if its machine died; resume() brings it back. */
  pause(name: string): void {
    const state = this.nodes.get(name);
    if (state !== undefined) state.alive = false;
  }

  resume(name: string): void {
    const state = this.nodes.get(name);
    if (state === undefined) return;
    state.alive = true;
    void this.limiter.run(() => this.renew(name)).catch((err) => this.onError(`renew ${name}`, err));
    const node = this.nodeInformer?.get(name);
    if (node !== undefined) this.onNode(node);
    for (const p of this.podInformer?.list() ?? []) if (p.spec?.nodeName === name) this.onPod(p);
  }

  names(): string[] {
    return [...this.nodes.keys()];
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    for (const t of this.retries) clearTimeout(t);
    await Promise.all([this.podInformer?.stop(), this.nodeInformer?.stop()]);
    this.client.close();
  }
}
