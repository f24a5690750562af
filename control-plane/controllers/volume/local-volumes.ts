// The `local` StorageClass (WaitForFirstConsumer) and the names the local
// provisioner shares with the scheduler and the agent.
import type { V1StorageClass } from "@kubernetes/client-node";

export { hostnameLabel, localVolumeName, nodeOfVolume } from "../../../proto/kube/local-volume.ts";

export const localClassName = "local";
export const localProvisionerName = "skiff.dev/local";
export const selectedNodeAnnotation = "volume.kubernetes.io/selected-node";

export const localStorageClass: V1StorageClass = {
  apiVersion: "storage.k8s.io/v1",
  kind: "StorageClass",
  metadata: { name: localClassName, annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
  provisioner: localProvisionerName,
  reclaimPolicy: "Retain",
  volumeBindingMode: "WaitForFirstConsumer",
};
