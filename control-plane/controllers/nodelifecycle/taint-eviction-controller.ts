// Evicts pods from nodes with NoExecute taints, as Kubernetes' taint
// eviction controller does: a pod that does not tolerate such a taint is
// deleted at once; one that tolerates it for tolerationSeconds is deleted
// that long after the taint was added (its timeAdded, so a controller that
// takes over mid-way keeps the same deadline); one that tolerates it
// without a limit stays. The ReplicaSet controller then replaces the pod
// and the scheduler places the replacement on a node without the taint.
import type { V1Node, V1Pod, V1Taint } from "@kubernetes/client-node";
import type { Logger } from "../../logger.ts";
import { silentLogger } from "../../logger.ts";
import { noExecuteVerdict } from "../../scheduler/plugins/taint-toleration/tolerations.ts";
import { type CacheEvent, type ClusterApi, isNotFound, keyOf, splitKey, timeOf } from "../api.ts";
import type { Clock } from "../clock.ts";
import type { SyncResult } from "../controller-loop.ts";
import { WorkQueue } from "../work-queue.ts";

function noExecuteTaints(node: V1Node | undefined): V1Taint[] {
  return (node?.spec?.taints ?? []).filter((t) => t.effect === "NoExecute");
}

const taintId = (t: V1Taint): string => `${t.key}=${t.value ?? ""}:${t.effect}`;

export class TaintEvictionController {
  readonly name = "taint-eviction";
  readonly queue: WorkQueue;
  /** When this controller first saw a NoExecute taint that carries no timeAdded (one added with kubectl taint). */
  private readonly firstSeen = new Map<string, number>();

  constructor(
    private readonly api: ClusterApi,
    private readonly clock: Clock,
    private readonly log: Logger = silentLogger,
  ) {
    this.queue = new WorkQueue(clock);
    api.cache("nodes").subscribe((e) => this.onNode(e));
    api.cache("pods").subscribe((e) => this.onPod(e));
  }

  private onNode(e: CacheEvent<V1Node>): void {
    if (e.type === "delete") return;
    const now = noExecuteTaints(e.object).map(taintId).join(",");
    const before = e.type === "update" ? noExecuteTaints(e.old).map(taintId).join(",") : "";
    if (now === before) return;
    const name = e.object.metadata?.name;
    for (const p of this.api.cache("pods").list()) if (p.spec?.nodeName === name) this.queue.add(keyOf(p));
  }

  private onPod(e: CacheEvent<V1Pod>): void {
    if (e.type === "delete") return;
    const nodeName = e.object.spec?.nodeName;
    if (nodeName === undefined || nodeName === "") return;
    if (noExecuteTaints(this.api.cache("nodes").get("", nodeName)).length > 0) this.queue.add(keyOf(e.object));
  }

  private addedAt(nodeName: string, taint: V1Taint, now: number): number {
    const at = timeOf(taint.timeAdded);
    if (at > 0) return at;
    const id = `${nodeName}/${taintId(taint)}`;
    if (!this.firstSeen.has(id)) this.firstSeen.set(id, now);
    return this.firstSeen.get(id)!;
  }

  async sync(key: string): Promise<SyncResult> {
    const { namespace, name } = splitKey(key);
    const pod = this.api.cache("pods").get(namespace, name);
    const nodeName = pod?.spec?.nodeName;
    if (pod === undefined || nodeName === undefined || nodeName === "" || pod.metadata?.deletionTimestamp !== undefined) return {};
    const taints = noExecuteTaints(this.api.cache("nodes").get("", nodeName));
    const now = this.clock.now();
    let deadline = Infinity;
    for (const taint of taints) {
      const verdict = noExecuteVerdict([taint], pod.spec?.tolerations);
      if (verdict.evict === "never") continue;
      const at = verdict.evict === "now" ? now : this.addedAt(nodeName, taint, now) + verdict.seconds * 1000;
      deadline = Math.min(deadline, at);
    }
    if (deadline === Infinity) return {};
    if (deadline > now) return { requeueAfterMs: deadline - now };
    this.log.info("evicting pod from tainted node", { pod: key, node: nodeName, taints: taints.map(taintId) });
    try {
      await this.api.delete("pods", namespace, name, pod.metadata?.uid);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    return {};
  }
}
