// List+watch of nodes, pods, services, endpoints and events through
// @kubernetes/client-node informers (fed by plain-JSON lists from the shared
// client, as the controller manager's caches are), turned into views.
// Informers stop on a broken watch; each is started again after a pause,
// resuming from its last resourceVersion.
import { type KubeConfig, type KubernetesListObject, type KubernetesObject, makeInformer } from "@kubernetes/client-node";
import type { CoreV1Event, V1Endpoints, V1Node, V1Pod, V1Service } from "@kubernetes/client-node";
import { ApiClient } from "../../proto/kube/api-client.ts";
import type { Logger } from "../logger.ts";
import type { Collection, Diff } from "./state.ts";
import { endpointsView, eventView, nodeView, podView, serviceView } from "./views.ts";

/** Where each watched collection goes: its path, its view and its key. */
interface Source<T extends KubernetesObject> {
  collection: Collection;
  path: string;
  view: (o: T) => { key?: string; name?: string };
}

const sources = [
  { collection: "nodes", path: "/api/v1/nodes", view: (o: V1Node) => nodeView(o) } satisfies Source<V1Node>,
  { collection: "pods", path: "/api/v1/pods", view: (o: V1Pod) => podView(o) } satisfies Source<V1Pod>,
  { collection: "services", path: "/api/v1/services", view: (o: V1Service) => serviceView(o) } satisfies Source<V1Service>,
  { collection: "endpoints", path: "/api/v1/endpoints", view: (o: V1Endpoints) => endpointsView(o) } satisfies Source<V1Endpoints>,
  { collection: "events", path: "/api/v1/events", view: (o: CoreV1Event) => eventView(o) } satisfies Source<CoreV1Event>,
] as Source<KubernetesObject>[];

/** What the watches write into: DashboardState's put/delete, plus a sink for the diffs. */
export interface WatchTarget {
  put(collection: Collection, key: string, value: unknown): Diff[];
  delete(collection: Collection, key: string): Diff[];
  publish(diffs: Diff[]): void;
}

export function startWatches(kc: KubeConfig, target: WatchTarget, log: Logger, restartDelayMs = 1000): () => Promise<void> {
  const client = new ApiClient(kc);
  let stopped = false;
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const informers: { stop(): Promise<void> }[] = [];
  const later = (f: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      if (!stopped) f();
    }, restartDelayMs);
    timers.add(t);
  };
  for (const source of sources) {
    const informer = makeInformer<KubernetesObject>(kc, source.path, () => client.get<KubernetesListObject<KubernetesObject>>(source.path));
    const keyOf = (o: KubernetesObject): { key: string; view: unknown } => {
      const view = source.view(o);
      return { key: view.key ?? view.name ?? "", view };
    };
    const put = (o: KubernetesObject): void => {
      const { key, view } = keyOf(o);
      target.publish(target.put(source.collection, key, view));
    };
    informer.on("add", put);
    informer.on("update", put);
    informer.on("delete", (o) => target.publish(target.delete(source.collection, keyOf(o).key)));
    informer.on("error", (err: unknown) => {
      if (stopped) return;
      log.warn("watch broke; starting it again", { resource: source.collection, error: String(err) });
      later(() => void start());
    });
    const start = async (): Promise<void> => {
      try {
        await informer.start();
      } catch (err) {
        if (stopped) return;
        log.warn("list failed; retrying", { resource: source.collection, error: String(err) });
        later(() => void start());
      }
    };
    informers.push(informer);
    void start();
  }
  return async () => {
    stopped = true;
    for (const t of timers) clearTimeout(t);
    await Promise.all(informers.map((i) => i.stop().catch(() => undefined)));
    client.close();
  };
}
