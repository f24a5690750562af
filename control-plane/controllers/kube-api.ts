// ClusterApi on a real API server: caches are @kubernetes/client-node
// informers (list, then watch from the list's resourceVersion), fed by a
// list of our own so that every cached object is plain JSON, as watch
// events are (client-node's typed lists turn timestamps into Dates);
// writes are plain JSON requests with the kubeconfig's credentials.
import { Agent, request, type RequestOptions } from "node:https";
import { type KubernetesListObject, type KubernetesObject, KubeConfig, makeInformer } from "@kubernetes/client-node";
import type { Logger } from "../logger.ts";
import { ApiError, type CacheEvent, type ClusterApi, type Kind, type KindMap, type Named, type ObjectCache, keyOf } from "./api.ts";

const groupPath: Record<Kind, string> = { pods: "/api/v1", replicasets: "/apis/apps/v1", deployments: "/apis/apps/v1" };

function collectionPath(kind: Kind, namespace?: string): string {
  return namespace === undefined ? `${groupPath[kind]}/${kind}` : `${groupPath[kind]}/namespaces/${encodeURIComponent(namespace)}/${kind}`;
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
  private agent: Agent | undefined;
  private base = "";
  private readonly options: RequestOptions = {};

  constructor(
    private readonly kc: KubeConfig,
    private readonly log: Logger,
  ) {
    for (const kind of ["pods", "replicasets", "deployments"] as Kind[]) {
      this.caches.set(kind, new InformerCache(kc, collectionPath(kind), () => this.request("GET", collectionPath(kind)) as Promise<KubernetesListObject<Named & KubernetesObject>>, log));
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

  private async connect(): Promise<void> {
    if (this.agent !== undefined) return;
    const cluster = this.kc.getCurrentCluster();
    if (cluster === null) throw new Error("kubeconfig has no current cluster");
    this.base = cluster.server.replace(/\/$/, "");
    await this.kc.applyToHTTPSOptions(this.options);
    this.agent = new Agent({ keepAlive: true, maxSockets: 16, ca: this.options.ca, cert: this.options.cert, key: this.options.key });
  }

  private async request(method: string, path: string, body?: unknown): Promise<unknown> {
    await this.connect();
    const text = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { ...(this.options.headers as Record<string, string> | undefined), Accept: "application/json" };
    if (text !== undefined) {
      headers["Content-Type"] = "application/json";
      headers["Content-Length"] = String(Buffer.byteLength(text));
    }
    return new Promise((resolve, reject) => {
      const req = request(`${this.base}${path}`, { method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const raw = Buffer.concat(chunks).toString("utf8");
          let parsed: Record<string, unknown> = {};
          try {
            parsed = raw === "" ? {} : (JSON.parse(raw) as Record<string, unknown>);
          } catch {
            // not JSON: the status code speaks
          }
          const code = res.statusCode ?? 0;
          if (code >= 200 && code < 300) resolve(parsed);
          else reject(new ApiError(code, String(parsed.reason ?? "Unknown"), `${method} ${path}: ${code} ${String(parsed.message ?? raw.slice(0, 200))}`));
        });
      });
      req.on("error", reject);
      req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path} timed out`)));
      if (text !== undefined) req.write(text);
      req.end();
    });
  }

  async create<K extends Kind>(kind: K, namespace: string, object: KindMap[K]): Promise<KindMap[K]> {
    return (await this.request("POST", collectionPath(kind, namespace), object)) as KindMap[K];
  }

  async update<K extends Kind>(kind: K, object: KindMap[K]): Promise<KindMap[K]> {
    return (await this.request("PUT", objectPath(kind, object.metadata?.namespace ?? "", object.metadata?.name ?? ""), object)) as KindMap[K];
  }

  async updateStatus<K extends Kind>(kind: K, object: KindMap[K]): Promise<KindMap[K]> {
    return (await this.request("PUT", `${objectPath(kind, object.metadata?.namespace ?? "", object.metadata?.name ?? "")}/status`, object)) as KindMap[K];
  }

  async delete(kind: Kind, namespace: string, name: string, uid?: string): Promise<void> {
    const options = { apiVersion: "v1", kind: "DeleteOptions", propagationPolicy: "Background", ...(uid === undefined ? {} : { preconditions: { uid } }) };
    await this.request("DELETE", objectPath(kind, namespace, name), options);
  }

  async start(): Promise<void> {
    await Promise.all([...this.caches.values()].map((c) => c.informer.start()));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.caches.values()].map((c) => c.stop()));
    this.agent?.destroy();
  }
}
