// The Endpoints controller: for each Service with a selector, an Endpoints
// object of the same name holding the ready and not-ready addresses of the
// pods it selects (endpoint-subsets.ts), written only when it changed.
// Services without a selector keep Endpoints written by hand (as the
// `kubernetes` Service does); a deleted Service's Endpoints are deleted.
import type { V1Endpoints, V1Pod, V1Service } from "@kubernetes/client-node";
import { isDeepStrictEqual } from "node:util";
import { type CacheEvent, type ClusterApi, isNotFound, keyOf, splitKey } from "../api.ts";
import type { Clock } from "../clock.ts";
import { WorkQueue } from "../work-queue.ts";
import { endpointSubsets, selectsPod } from "./endpoint-subsets.ts";

const hasSelector = (svc: V1Service): boolean => Object.keys(svc.spec?.selector ?? {}).length > 0;

// Plain JSON (watch events) and typed objects compare alike.
const normal = (x: unknown): unknown => JSON.parse(JSON.stringify(x ?? [])) as unknown;

export class EndpointsController {
  readonly name = "endpoints";
  readonly queue: WorkQueue;

  constructor(
    private readonly api: ClusterApi,
    clock: Clock,
  ) {
    this.queue = new WorkQueue(clock);
    api.cache("services").subscribe((e) => this.queue.add(keyOf(e.object)));
    api.cache("endpoints").subscribe((e) => {
      if (e.type === "delete") this.queue.add(keyOf(e.object));
    });
    api.cache("pods").subscribe((e) => this.onPod(e));
  }

  private onPod(e: CacheEvent<V1Pod>): void {
    const pods = e.type === "update" ? [e.object, e.old] : [e.object];
    for (const svc of this.api.cache("services").list(e.object.metadata?.namespace)) {
      if (pods.some((p) => selectsPod(svc, p))) this.queue.add(keyOf(svc));
    }
  }

  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const svc = this.api.cache("services").get(namespace, name);
    const current = this.api.cache("endpoints").get(namespace, name);
    if (svc === undefined) {
      if (current === undefined) return;
      try {
        await this.api.delete("endpoints", namespace, name);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      return;
    }
    if (!hasSelector(svc)) return;
    const subsets = endpointSubsets(svc, this.api.cache("pods").list(namespace));
    const labels = svc.metadata?.labels ?? {};
    if (current !== undefined && isDeepStrictEqual(normal(current.subsets), normal(subsets)) && isDeepStrictEqual(normal(current.metadata?.labels ?? {}), normal(labels))) return;
    const next: V1Endpoints = {
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: { ...(current?.metadata ?? {}), name, namespace, labels },
      subsets,
    };
    if (current === undefined) await this.api.create("endpoints", namespace, next);
    else await this.api.update("endpoints", next);
  }
}
