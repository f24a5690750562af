// ClusterSource on the API server: informers of @kubernetes/client-node
// (list, then watch from the list's resourceVersion) for nodes and pods.
// client-node informers stop on a broken watch; the documented remedy is to
// start them again, which resumes from the last resourceVersion (or lists
// anew when that is compacted).
import { CoreV1Api, type KubeConfig, type V1Node, type V1Pod, makeInformer } from "@kubernetes/client-node";
import { silentLogger, type Logger } from "../../logger.ts";
import type { ClusterEvent, ClusterSource } from "../cluster.ts";

type Stoppable = { stop(): Promise<void> };

export class ApiClusterSource implements ClusterSource {
  private readonly log: Logger;

  constructor(
    private readonly kc: KubeConfig,
    logger: Logger = silentLogger,
    private readonly restartDelayMs = 500,
  ) {
    this.log = logger;
  }

  watch(handler: (event: ClusterEvent) => void): () => void {
    const core = this.kc.makeApiClient(CoreV1Api);
    let stopped = false;
    const informers: Stoppable[] = [];
    const timers = new Set<ReturnType<typeof setTimeout>>();

    const keepRunning = <T extends V1Node | V1Pod>(what: string, informer: ReturnType<typeof makeInformer<T>>): void => {
      informers.push(informer);
      informer.on("error", (err: unknown) => {
        // Stopping aborts the watch, which reports an error too: that one must not start it again.
        if (stopped) return;
        this.log.warn("watch broke; starting it again", { resource: what, error: String(err) });
        const t = setTimeout(() => {
          timers.delete(t);
          if (!stopped) void informer.start().catch(() => undefined);
        }, this.restartDelayMs);
        timers.add(t);
      });
    };

    const nodes = makeInformer<V1Node>(this.kc, "/api/v1/nodes", () => core.listNode());
    nodes.on("add", (node) => handler({ type: "NodeAdded", node }));
    nodes.on("update", (node) => handler({ type: "NodeUpdated", node }));
    nodes.on("delete", (node) => handler({ type: "NodeDeleted", node }));
    keepRunning("nodes", nodes);

    const pods = makeInformer<V1Pod>(this.kc, "/api/v1/pods", () => core.listPodForAllNamespaces());
    pods.on("add", (pod) => handler({ type: "PodAdded", pod }));
    pods.on("update", (pod) => handler({ type: "PodUpdated", pod }));
    pods.on("delete", (pod) => handler({ type: "PodDeleted", pod }));
    keepRunning("pods", pods);

    // Nodes first, so that the first pods find them in the cache.
    const start = async (informer: { start(): Promise<void> }, what: string): Promise<void> => {
      for (;;) {
        try {
          await informer.start();
          return;
        } catch (err) {
          if (stopped) return;
          this.log.warn("list failed; retrying", { resource: what, error: String(err) });
          await new Promise((r) => setTimeout(r, this.restartDelayMs));
          if (stopped) return;
        }
      }
    };
    void (async () => {
      await start(nodes, "nodes");
      if (!stopped) await start(pods, "pods");
      if (!stopped) this.log.info("informers synced");
    })();

    return () => {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      for (const i of informers) void i.stop().catch(() => undefined);
    };
  }
}
