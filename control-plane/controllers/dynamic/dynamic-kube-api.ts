// DynamicApi on a real API server: discovery through the legacy lists
// (/api/v1, /apis and each group's preferred version), an informer per
// resource (kube-api.ts's InformerCache), and writes through the shared
// JSON client.
import type { KubeConfig, KubernetesObject } from "@kubernetes/client-node";
import { ApiClient, isNotFound } from "../../../proto/kube/api-client.ts";
import type { Logger } from "../../logger.ts";
import type { Named, ObjectCache } from "../api.ts";
import { InformerCache } from "../kube-api.ts";
import { type DeleteOptions, type DynamicApi, type ResourceInfo, resourceId } from "./dynamic-api.ts";

interface ApiResourceList {
  resources: { name: string; kind: string; namespaced: boolean; verbs: string[] }[];
}

interface ApiGroupList {
  groups: { name: string; preferredVersion?: { version: string } }[];
}

function collectionPath(r: ResourceInfo, namespace?: string): string {
  const base = r.group === "" ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
  return r.namespaced && namespace !== undefined && namespace !== "" ? `${base}/namespaces/${encodeURIComponent(namespace)}/${r.resource}` : `${base}/${r.resource}`;
}

function objectPath(r: ResourceInfo, namespace: string, name: string): string {
  return `${collectionPath(r, namespace)}/${encodeURIComponent(name)}`;
}

export class DynamicKubeApi implements DynamicApi {
  private readonly client: ApiClient;
  private found: ResourceInfo[] = [];
  private readonly caches = new Map<string, InformerCache<Named & KubernetesObject>>();

  constructor(
    private readonly kc: KubeConfig,
    private readonly log: Logger,
  ) {
    this.client = new ApiClient(kc);
  }

  async discover(): Promise<ResourceInfo[]> {
    const lists: { group: string; version: string; list: ApiResourceList }[] = [{ group: "", version: "v1", list: await this.client.get<ApiResourceList>("/api/v1") }];
    const groups = await this.client.get<ApiGroupList>("/apis");
    for (const g of groups.groups) {
      const version = g.preferredVersion?.version;
      if (version === undefined) continue;
      lists.push({ group: g.name, version, list: await this.client.get<ApiResourceList>(`/apis/${g.name}/${version}`) });
    }
    const found: ResourceInfo[] = [];
    for (const { group, version, list } of lists) {
      for (const e of list.resources) {
        if (e.name.includes("/") || !["list", "watch", "delete"].every((v) => e.verbs.includes(v))) continue;
        if (found.some((r) => r.group === group && r.resource === e.name)) continue;
        found.push({ group, version, resource: e.name, kind: e.kind, namespaced: e.namespaced });
      }
    }
    this.found = found;
    for (const r of found) {
      if (this.caches.has(resourceId(r))) continue;
      const path = collectionPath(r);
      this.caches.set(resourceId(r), new InformerCache(this.kc, this.client, path, this.log));
    }
    return found;
  }

  resources(): ResourceInfo[] {
    return this.found;
  }

  cache(r: ResourceInfo): ObjectCache<Named> {
    const c = this.caches.get(resourceId(r));
    if (c === undefined) throw new Error(`no cache for ${resourceId(r)}`);
    return c;
  }

  async get(r: ResourceInfo, namespace: string, name: string): Promise<Named | undefined> {
    try {
      return await this.client.get<Named>(objectPath(r, namespace, name));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async list(r: ResourceInfo, namespace?: string): Promise<Named[]> {
    return (await this.client.get<{ items: Named[] }>(collectionPath(r, namespace))).items;
  }

  async delete(r: ResourceInfo, namespace: string, name: string, opts: DeleteOptions = {}): Promise<void> {
    const { uid, ...rest } = opts;
    await this.client.delete(objectPath(r, namespace, name), { apiVersion: "v1", kind: "DeleteOptions", ...rest, ...(uid === undefined ? {} : { preconditions: { uid } }) });
  }

  patch(r: ResourceInfo, namespace: string, name: string, patch: Record<string, unknown>): Promise<Named> {
    return this.client.patch<Named>(objectPath(r, namespace, name), patch, "merge");
  }

  async finalizeNamespace(name: string, finalizers: string[], resourceVersion: string): Promise<void> {
    const body = { apiVersion: "v1", kind: "Namespace", metadata: { name, resourceVersion }, spec: { finalizers } };
    await this.client.replace(`/api/v1/namespaces/${encodeURIComponent(name)}/finalize`, body);
  }

  async start(): Promise<void> {
    await Promise.all([...this.caches.values()].map((c) => c.informer.start()));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.caches.values()].map((c) => c.stop()));
    this.client.close();
  }
}
