// A cache of one resource kept current by list+watch, shared by the
// control-plane components and the node agent: a @kubernetes/client-node
// ListWatch fed by a plain JSON list of ours (so every cached object has
// the shape watch events have; client-node's typed lists turn timestamps
// into Dates), restarted from its last resourceVersion when the watch
// breaks, and relisted on 410.
import { type KubeConfig, type KubernetesListObject, type KubernetesObject, ListWatch, Watch } from "@kubernetes/client-node";
import type { ApiClient } from "./api-client.ts";

export interface Named {
  metadata?: { name?: string; namespace?: string };
}

export type InformerEvent<T> = { type: "add"; object: T } | { type: "update"; object: T; old: T } | { type: "delete"; object: T };

export interface InformerOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** Told when the watch breaks and is started again. */
  onError?: (path: string, err: unknown) => void;
  retryMs?: number;
}

function keyOf(o: Named): string {
  return `${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}`;
}

export class Informer<T extends Named & KubernetesObject> {
  private readonly handlers: ((e: InformerEvent<T>) => void)[] = [];
  private readonly seen = new Map<string, T>();
  private stopping = false;
  private listed = false;
  private retry: ReturnType<typeof setTimeout> | undefined;
  readonly informer: ListWatch<T>;

  constructor(
    kc: KubeConfig,
    client: ApiClient,
    readonly path: string,
    options: InformerOptions = {},
  ) {
    const query = new URLSearchParams();
    if (options.labelSelector !== undefined) query.set("labelSelector", options.labelSelector);
    if (options.fieldSelector !== undefined) query.set("fieldSelector", options.fieldSelector);
    const listPath = query.size > 0 ? `${path}?${query.toString()}` : path;
    const list = async (): Promise<KubernetesListObject<T>> => {
      const result = await client.get<KubernetesListObject<T>>(listPath);
      this.listed = true;
      return result;
    };
    this.informer = new ListWatch<T>(path, new Watch(kc), list, false, options.labelSelector, options.fieldSelector);
    this.informer.on("add", (o) => this.emit({ type: "add", object: o }));
    this.informer.on("update", (o) => this.emit({ type: "update", object: o, old: this.seen.get(keyOf(o)) ?? o }));
    this.informer.on("delete", (o) => this.emit({ type: "delete", object: o }));
    // client-node stops on a broken watch; start again from the last resourceVersion.
    this.informer.on("error", (err) => {
      if (this.stopping) return;
      options.onError?.(path, err);
      this.retry = setTimeout(() => void this.informer.start().catch(() => undefined), options.retryMs ?? 1000);
    });
  }

  private emit(e: InformerEvent<T>): void {
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

  /** Handlers only note what changed; the work happens elsewhere. */
  subscribe(handler: (e: InformerEvent<T>) => void): void {
    this.handlers.push(handler);
  }

  /** Whether the first list has arrived (a failed list is retried). */
  hasSynced(): boolean {
    return this.listed;
  }

  async start(): Promise<void> {
    this.stopping = false;
    await this.informer.start();
  }

  /** Starts, then waits until the first list has arrived. */
  async startAndSync(pollMs = 100): Promise<void> {
    await this.start();
    while (!this.listed && !this.stopping) await new Promise((r) => setTimeout(r, pollMs));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.retry !== undefined) clearTimeout(this.retry);
    await this.informer.stop();
  }
}
