// Names shared by the local provisioner and the StatefulSet controller: the
// `local` StorageClass (WaitForFirstConsumer) and the node a claim's volume
// lives on.
import type { V1PersistentVolume, V1PersistentVolumeClaim, V1StorageClass } from "@kubernetes/client-node";
import type { ClusterApi } from "../api.ts";

export { localVolumeName } from "../../../proto/kube/local-volume.ts";

export const localClassName = "local";
export const localProvisionerName = "skiff.dev/local";
export const selectedNodeAnnotation = "volume.kubernetes.io/selected-node";
export const hostnameLabel = "kubernetes.io/hostname";

export const localStorageClass: V1StorageClass = {
  apiVersion: "storage.k8s.io/v1",
  kind: "StorageClass",
  metadata: { name: localClassName, annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
  provisioner: localProvisionerName,
  reclaimPolicy: "Retain",
  volumeBindingMode: "WaitForFirstConsumer",
};

/** The node a PersistentVolume is pinned to by its required node affinity on the hostname label. */
export function nodeOfVolume(pv: V1PersistentVolume | undefined): string | undefined {
  for (const term of pv?.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? []) {
    for (const r of term.matchExpressions ?? []) if (r.key === hostnameLabel && r.operator === "In" && r.values?.length === 1) return r.values[0];
  }
  return undefined;
}

/** The node holding a bound claim's volume, if the claim is bound to a node-local volume. */
export function nodeOfClaim(api: ClusterApi, claim: V1PersistentVolumeClaim | undefined): string | undefined {
  const volume = claim?.spec?.volumeName ?? "";
  if (volume === "") return undefined;
  return nodeOfVolume(api.cache("persistentvolumes").get("", volume));
}
