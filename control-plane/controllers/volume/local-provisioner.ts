// The local provisioner (kube's persistentvolume binder plus a local
// static provisioner, in one): a claim of the `local` class waits for its
// first consumer (WaitForFirstConsumer); once a pod that uses it is bound
// to a node, it gets a PersistentVolume `pvc-<claim uid>` on that node (a
// Docker volume the node's agent mounts, pinned by a required node
// affinity on kubernetes.io/hostname) and both are marked Bound. The first
// claim of the class creates the `local` StorageClass object if it is
// missing (kube's addon manager would; the manager writes nothing before).
import type { V1PersistentVolume, V1PersistentVolumeClaim, V1Pod } from "@kubernetes/client-node";
import { type CacheEvent, type ClusterApi, isConflict, keyOf, splitKey } from "../api.ts";
import type { Clock } from "../clock.ts";
import type { SyncResult } from "../controller-loop.ts";
import { WorkQueue } from "../work-queue.ts";
import { hostnameLabel, localClassName, localStorageClass, localVolumeName, selectedNodeAnnotation } from "./local-volumes.ts";

export class LocalProvisioner {
  readonly name = "local-volume";
  readonly queue: WorkQueue;

  constructor(
    private readonly api: ClusterApi,
    clock: Clock,
  ) {
    this.queue = new WorkQueue(clock);
    api.cache("persistentvolumeclaims").subscribe((e) => this.queue.add(keyOf(e.object)));
    api.cache("pods").subscribe((e) => this.onPod(e));
  }

  private onPod(e: CacheEvent<V1Pod>): void {
    if (e.type === "delete" || (e.object.spec?.nodeName ?? "") === "") return;
    for (const v of e.object.spec?.volumes ?? []) {
      const claim = v.persistentVolumeClaim?.claimName;
      if (claim !== undefined) this.queue.add(`${e.object.metadata?.namespace ?? ""}/${claim}`);
    }
  }

  async sync(key: string): Promise<SyncResult> {
    const { namespace, name } = splitKey(key);
    const claim = this.api.cache("persistentvolumeclaims").get(namespace, name);
    if (claim === undefined || claim.metadata?.deletionTimestamp !== undefined) return {};
    if ((claim.spec?.storageClassName ?? localClassName) !== localClassName) return {};
    if (this.api.cache("storageclasses").get("", localClassName) === undefined) await this.ignoreExists(this.api.create("storageclasses", "", localStorageClass));
    const pvName = claim.spec?.volumeName || `pvc-${claim.metadata?.uid ?? ""}`;
    let pv = this.api.cache("persistentvolumes").get("", pvName);
    if (pv === undefined) {
      const node = this.consumerNode(claim);
      if (node === undefined) return {}; // WaitForFirstConsumer
      pv = await this.ignoreExists(this.api.create("persistentvolumes", "", this.volumeFor(claim, pvName, node)));
      if (pv === undefined) return {};
    }
    if (pv.status?.phase !== "Bound") await this.api.updateStatus("persistentvolumes", { ...pv, status: { phase: "Bound" } });
    if ((claim.spec?.volumeName ?? "") === "") {
      const bound = await this.api.update("persistentvolumeclaims", {
        ...claim,
        metadata: { ...claim.metadata, annotations: { ...claim.metadata?.annotations, "pv.kubernetes.io/bind-completed": "yes", "pv.kubernetes.io/bound-by-controller": "yes" } },
        spec: { ...claim.spec, volumeName: pvName },
      });
      await this.markBound(bound, pv);
    } else if (claim.status?.phase !== "Bound") await this.markBound(claim, pv);
    return {};
  }

  private async markBound(claim: V1PersistentVolumeClaim, pv: V1PersistentVolume): Promise<void> {
    await this.api.updateStatus("persistentvolumeclaims", { ...claim, status: { phase: "Bound", accessModes: pv.spec?.accessModes, capacity: pv.spec?.capacity } });
  }

  private async ignoreExists<T>(p: Promise<T>): Promise<T | undefined> {
    try {
      return await p;
    } catch (err) {
      if (isConflict(err)) return undefined;
      throw err;
    }
  }

  /** The node of the first pod using the claim that the scheduler has placed. */
  private consumerNode(claim: V1PersistentVolumeClaim): string | undefined {
    const selected = claim.metadata?.annotations?.[selectedNodeAnnotation];
    if (selected !== undefined && selected !== "") return selected;
    const ns = claim.metadata?.namespace;
    const users = this.api
      .cache("pods")
      .list(ns)
      .filter((p) => (p.spec?.nodeName ?? "") !== "" && (p.spec?.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === claim.metadata?.name));
    return users[0]?.spec?.nodeName;
  }

  private volumeFor(claim: V1PersistentVolumeClaim, name: string, node: string): V1PersistentVolume {
    const ns = claim.metadata?.namespace ?? "";
    const claimName = claim.metadata?.name ?? "";
    return {
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: { name, annotations: { "pv.kubernetes.io/provisioned-by": localStorageClass.provisioner } },
      spec: {
        capacity: { storage: claim.spec?.resources?.requests?.storage ?? "1Gi" },
        accessModes: claim.spec?.accessModes ?? ["ReadWriteOnce"],
        persistentVolumeReclaimPolicy: "Retain",
        storageClassName: localClassName,
        volumeMode: "Filesystem",
        // Where Docker keeps the volume's files on the machine all nodes share.
        local: { path: `/var/lib/docker/volumes/${localVolumeName(node, ns, claimName)}/_data` },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: hostnameLabel, operator: "In", values: [node] }] }] } },
        claimRef: { apiVersion: "v1", kind: "PersistentVolumeClaim", namespace: ns, name: claimName, uid: claim.metadata?.uid },
      },
    };
  }
}
