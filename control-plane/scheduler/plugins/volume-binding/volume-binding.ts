// VolumeBinding (the filter half of kube-scheduler's plugin): a pod whose
// persistentVolumeClaim is bound to a node-local volume fits only on that
// volume's node. Claims not bound yet fit anywhere: the local provisioner
// waits for the first consumer and makes the volume on the node chosen.
import type { NodeInfo } from "../../framework/node-info.ts";
import type { PodInfo } from "../../framework/pod-info.ts";
import { success, unresolvable, type Status } from "../../framework/status.ts";
import type { ClusterEventKind, CycleState, FilterPlugin } from "../../framework/types.ts";

export const volumeNodeConflictReason = "node(s) had volume node affinity conflict";

export interface ClaimVolumes {
  /** The node holding the volume a claim is bound to, if it is a node-local one. */
  nodeOfClaim(namespace: string, claim: string): string | undefined;
}

export class VolumeBinding implements FilterPlugin {
  readonly name = "VolumeBinding";
  readonly events: readonly ClusterEventKind[] = ["NodeAdd", "NodeUpdate"];

  constructor(private readonly volumes: ClaimVolumes) {}

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    const ns = pod.pod.metadata?.namespace ?? "default";
    for (const v of pod.pod.spec?.volumes ?? []) {
      const claim = v.persistentVolumeClaim?.claimName;
      if (claim === undefined) continue;
      const wanted = this.volumes.nodeOfClaim(ns, claim);
      if (wanted !== undefined && wanted !== node.name) return unresolvable(volumeNodeConflictReason);
    }
    return success;
  }
}
