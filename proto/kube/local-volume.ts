// Node-local PersistentVolumes, as the local provisioner, the scheduler and
// the node agent see them.
import type { V1PersistentVolume } from "@kubernetes/client-node";

export const hostnameLabel = "kubernetes.io/hostname";

// The Docker volume that holds a node-local PersistentVolume's files: named
// after the node and the claim, so the provisioner (which writes the path
// into the PersistentVolume) and the node's agent (which mounts it) agree
// without a lookup. It carries no pod uid, so it outlives every pod.
export function localVolumeName(nodeName: string, namespace: string, claim: string): string {
  return `skiff-local_${nodeName}_${namespace}_${claim}`;
}

export const claimLabel = "skiff.pvc";

/** The node a PersistentVolume is pinned to by its required node affinity on the hostname label. */
export function nodeOfVolume(pv: V1PersistentVolume | undefined): string | undefined {
  for (const term of pv?.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? []) {
    for (const r of term.matchExpressions ?? []) if (r.key === hostnameLabel && r.operator === "In" && r.values?.length === 1) return r.values[0];
  }
  return undefined;
}
