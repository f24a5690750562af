// ClusterApi on a real API server: caches are @kubernetes/client-node
// informers (list, then watch from the list's resourceVersion), fed by a
// list of our own so that every cached object is plain JSON, as watch
// events are (client-node's typed lists turn timestamps into Dates);
// writes go through the shared JSON client (proto/kube/api-client.ts).
import { type KubernetesObject, KubeConfig } from "@kubernetes/client-node";
import { ApiClient } from "../../proto/kube/api-client.ts";
import { Informer } from "../../proto/kube/informer.ts";
import type { Logger } from "../logger.ts";
import { allKinds, type CacheEvent, type ClusterApi, clusterScoped, type Kind, type KindMap, type Named, type ObjectCache } from "./api.ts";

const groupPath: Record<Kind, string> = { pods: "/api/v1", replicasets: "/apis/apps/v1", deployments: "/apis/apps/v1", nodes: "/api/v1", leases: "/apis/coordination.k8s.io/v1", services: "/api/v1", endpoints: "/api/v1", jobs: "/apis/batch/v1", cronjobs: "/apis/batch/v1", statefulsets: "/apis/apps/v1", daemonsets: "/apis/apps/v1",
  persistentvolumes: "/api/v1",
  persistentvolumeclaims: "/api/v1",
  storageclasses: "/apis/storage.k8s.io/v1",
};

function collectionPath(kind: Kind, namespace?: string): string {
  return namespace === undefined || clusterScoped.has(kind) ? `${groupPath[kind]}/${kind}` : `${groupPath[kind]}/namespaces/${encodeURIComponent(namespace)}/${kind}`;
}

function objectPath(kind: Kind, namespace: string, name: string): string {
  return `${collectionPath(kind, namespace)}/${encodeURIComponent(name)}`;
}

export class InformerCache<T extends Named & KubernetesObject> extends Informer<T> implements ObjectCache<T> {
  constructor(kc: KubeConfig, client: ApiClient, path: string, log: Logger) {
    super(kc, client, path, { onError: (p, err) => log.info("watch broken, restarting", { path: p, error: err instanceof Error ? err.message : String(err) }) });
  }

  override subscribe(handler: (e: CacheEvent<T>) => void): void {
    super.subscribe(handler);
  }
}

export class KubeApi implements ClusterApi {
  private readonly caches = new Map<Kind, InformerCache<Named & KubernetesObject>>();
  private readonly client: ApiClient;

  constructor(
    private readonly kc: KubeConfig,
    private readonly log: Logger,
  ) {
    this.client = new ApiClient(kc);
    for (const kind of allKinds) {
      this.caches.set(kind, new InformerCache(kc, this.client, collectionPath(kind), log));
    }
  }

  static fromFile(path: string, log: Logger): KubeApi {
    const kc = new KubeConfig();
    kc.loadFromFile(path);
    return new KubeApi(kc, log);
  }

  cache<K extends Kind>(kind: K): ObjectCache<KindMap[K]> {
    return this.caches.get(kind) as unknown as ObjectCache<KindMap[K]>;
  }

  async create<K extends Kind>(kind: K, namespace: string, object: KindMap[K]): Promise<KindMap[K]> {
    return this.client.create<KindMap[K]>(collectionPath(kind, namespace), object);
  }

  async update<K extends Kind>(kind: K, object: KindMap[K]): Promise<KindMap[K]> {
    return this.client.replace<KindMap[K]>(objectPath(kind, object.metadata?.namespace ?? "", object.metadata?.name ?? ""), object);
  }

  async updateStatus<K extends Kind>(kind: K, object: KindMap[K]): Promise<KindMap[K]> {
    return this.client.replace<KindMap[K]>(`${objectPath(kind, object.metadata?.namespace ?? "", object.metadata?.name ?? "")}/status`, object);
  }

  async delete(kind: Kind, namespace: string, name: string, uid?: string): Promise<void> {
    const options = { apiVersion: "v1", kind: "DeleteOptions", propagationPolicy: "Background", ...(uid === undefined ? {} : { preconditions: { uid } }) };
    await this.client.delete(objectPath(kind, namespace, name), options);
  }

  private eventSeq = 0;

  event(object: Named & { kind?: string; apiVersion?: string }, type: "Normal" | "Warning", reason: string, message: string): void {
    const now = new Date();
    const ns = object.metadata?.namespace ?? "default";
    // client-go names events <object>.<unix nanoseconds in hex>; the sequence keeps two in one millisecond apart.
    const suffix = (BigInt(now.getTime()) * 1_000_000n + BigInt(this.eventSeq++ % 1_000_000)).toString(16);
    const stamp = now.toISOString().replace(/\.\d{3}Z$/, "Z");
    const m = object.metadata;
    const body = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: `${m?.name ?? ""}.${suffix}`, namespace: ns },
      involvedObject: { apiVersion: object.apiVersion, kind: object.kind, namespace: ns, name: m?.name, uid: m?.uid, resourceVersion: m?.resourceVersion },
      reason,
      message,
      type,
      source: { component: "controller-manager" },
      firstTimestamp: stamp,
      lastTimestamp: stamp,
      count: 1,
    };
    this.client.create(`/api/v1/namespaces/${encodeURIComponent(ns)}/events`, body).catch((err: unknown) => {
      this.log.warn("could not post an event", { object: `${ns}/${m?.name ?? ""}`, reason, error: String(err) });
    });
  }

  async start(): Promise<void> {
    await Promise.all([...this.caches.values()].map((c) => c.start()));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.caches.values()].map((c) => c.stop()));
    this.client.close();
  }
}
