// The Docker volume that holds a node-local PersistentVolume's files: named
// after the node and the claim, so the provisioner (which writes the path
// into the PersistentVolume) and the node's agent (which mounts it) agree
// without a lookup. It carries no pod uid, so it outlives every pod.
export function localVolumeName(nodeName: string, namespace: string, claim: string): string {
  return `skiff-local_${nodeName}_${namespace}_${claim}`;
}

export const claimLabel = "skiff.pvc";
