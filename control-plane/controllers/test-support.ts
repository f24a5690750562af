// Shared by the controllers' unit tests: objects, a hollow kubelet for the
// fake API, and a driver that runs syncs until the queues are empty.
import type { V1Deployment, V1Pod, V1ReplicaSet } from "@kubernetes/client-node";
import type { FakeClock } from "./clock.ts";
import type { Reconciler } from "./controller-loop.ts";
import type { FakeApi } from "./fake-api.ts";

export function replicaSet(name: string, replicas: number, labels: Record<string, string> = { app: name }): V1ReplicaSet {
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name, namespace: "default" },
    spec: { replicas, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: "c", image: "demo:1" }] } } },
  };
}

export function deployment(name: string, replicas: number, image = "demo:1"): V1Deployment {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "default" },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image }] } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    },
  };
}

export function pod(name: string, labels: Record<string, string>, extra: Partial<V1Pod> = {}): V1Pod {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default", labels }, spec: { containers: [{ name: "c", image: "demo:1" }] }, ...extra };
}

/** Marks a pod Running and Ready now, as a kubelet would. */
export function markReady(api: FakeApi, clock: FakeClock, name: string): void {
  api.mutate("pods", "default", name, (p) => {
    p.status = {
      phase: "Running",
      conditions: [{ type: "Ready", status: "True", lastTransitionTime: new Date(clock.now()).toISOString() as unknown as Date }],
    };
  });
}

export function readyAll(api: FakeApi, clock: FakeClock): void {
  for (const p of api.storedList("pods")) if (p.status?.phase !== "Running") markReady(api, clock, p.metadata!.name!);
}

/** Runs syncs until every queue is empty; after each sync calls step (an invariant check, a kubelet). */
export async function settle(reconcilers: Reconciler[], step: () => void = () => undefined, limit = 1000): Promise<number> {
  let syncs = 0;
  for (;;) {
    const r = reconcilers.find((x) => x.queue.length > 0);
    if (r === undefined) return syncs;
    const key = (await r.queue.get())!;
    try {
      await r.sync(key);
    } finally {
      r.queue.done(key);
    }
    step();
    if (++syncs > limit) throw new Error("controllers did not settle");
  }
}
