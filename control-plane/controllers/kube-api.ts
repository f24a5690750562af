// ClusterApi on a real API server: caches are @kubernetes/client-node
// informers (list, then watch from the list's resourceVersion), fed by a
// list of our own so that every cached object is plain JSON, as watch
// events are (client-node's typed lists turn timestamps into Dates);
// writes go through the shared JSON client (proto/kube/api-client.ts).
import { type KubernetesListObject, type KubernetesObject, KubeConfig, makeInformer } from "@kubernetes/client-node";
import { ApiClient } from "../../proto/kube/api-client.ts";
import type { Logger } from "../logger.ts";
import { allKinds, type CacheEvent, type ClusterApi, clusterScoped, type Kind, type KindMap, type Named, type ObjectCache, keyOf } from "./api.ts";

const groupPath: Record<Kind, string> = { pods: "/api/v1", replicasets: "/apis/apps/v1", deployments: "/apis/apps/v1", nodes: "/api/v1", leases: "/apis/coordination.k8s.io/v1" };

function collectionPath(kind: Kind, namespace?: string): string {
  return namespace === undefined || clusterScoped.has(kind) ? `${groupPath[kind]}/${kind}` : `${groupPath[kind]}/namespaces/${encodeURIComponent(namespace)}/${kind}`;
}

function objectPath(kind: Kind, namespace: string, name: string): string {
  return `${collectionPath(kind, namespace)}/${encodeURIComponent(name)}`;
}

class InformerCache<T extends Named & KubernetesObject> implements ObjectCache<T> {
  private readonly handlers: ((e: CacheEvent<T>) => void)[] = [];
  private readonly seen = new Map<string, T>();
  private stopping = false;
  private retry: ReturnType<typeof setTimeout> | undefined;
  readonly informer;

  constructor(kc: KubeConfig, path: string, list: () => Promise<KubernetesListObject<T>>, private readonly log: Logger) {
    this.informer = makeInformer<T>(kc, path, list);
    this.informer.on("add", (o) => this.emit({ type: "add", object: o }));
    this.informer.on("update", (o) => this.emit({ type: "update", object: o, old: this.seen.get(keyOf(o)) ?? o }));
    this.informer.on("delete", (o) => this.emit({ type: "delete", object: o }));
    // client-node informers stop on a broken watch; start again from the last resourceVersion.
    this.informer.on("error", (err) => {
      if (this.stopping) return;
      this.log.info("watch broken, restarting", { path, error: err instanceof Error ? err.message : String(err) });
      this.retry = setTimeout(() => void this.informer.start().catch(() => undefined), 1000);
    });
  }

  private emit(e: CacheEvent<T>): void {
    if (e.type === "delete") this.seen.delete(keyOf(e.object));
    else this.seen.set(keyOf(e.object), e.object);
    for (const h of this.handlers) h(e);
  }

  get(namespace: string, name: string): T | undefined {
    return this.informer.get(name, namespace);
  }

  list(namespace?: string): T[] {
    return [...this.informer.list(namespace)];
  }

  subscribe(handler: (e: CacheEvent<T>) => void): void {
    this.handlers.push(handler);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.retry !== undefined) clearTimeout(this.retry);
    await this.informer.stop();
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
      this.caches.set(kind, new InformerCache(kc, collectionPath(kind), () => this.client.get<KubernetesListObject<Named & KubernetesObject>>(collectionPath(kind)), log));
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

  async start(): Promise<void> {
    await Promise.all([...this.caches.values()].map((c) => c.informer.start()));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.caches.values()].map((c) => c.stop()));
    this.client.close();
  }
}
