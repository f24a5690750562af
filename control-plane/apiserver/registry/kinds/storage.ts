// core/v1 PersistentVolume and PersistentVolumeClaim, storage.k8s.io/v1
// StorageClass: the objects local volumes are made of (the local
// provisioner in the controller manager binds claims to volumes).
import { age, at, col, str } from "../printing.ts";
import type { KubeObject, ResourceType } from "../types.ts";
import { checkMetadata, invalidValue, notSupported, required } from "../validation.ts";
import { defineKind } from "./define.ts";

type Json = Record<string, unknown>;
const modes = (o: KubeObject): string =>
  ((at(o, "spec.accessModes") as string[] | undefined) ?? []).map((m) => ({ ReadWriteOnce: "RWO", ReadOnlyMany: "ROX", ReadWriteMany: "RWX", ReadWriteOncePod: "RWOP" })[m] ?? m).join(",");
const accessModes = ["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"];

function specOf(o: KubeObject): Json {
  if (typeof o.spec !== "object" || o.spec === null) o.spec = {};
  return o.spec as Json;
}

function validateAccessModes(o: KubeObject): ReturnType<typeof checkMetadata> {
  const list = at(o, "spec.accessModes");
  if (!Array.isArray(list) || list.length === 0) return [required("spec.accessModes")];
  return list.filter((m) => !accessModes.includes(String(m))).map((m) => notSupported("spec.accessModes", m, accessModes));
}

export const persistentVolumes: ResourceType = defineKind({
  group: "",
  versions: ["v1"],
  resource: "persistentvolumes",
  kind: "PersistentVolume",
  namespaced: false,
  shortNames: ["pv"],
  statusSubresource: true,
  hasSpec: true,
  columns: [
    col("Capacity", (o) => str(o, "spec.capacity.storage")),
    col("Access Modes", modes),
    col("Reclaim Policy", (o) => str(o, "spec.persistentVolumeReclaimPolicy")),
    col("Status", (o) => str(o, "status.phase")),
    col("Claim", (o) => (str(o, "spec.claimRef.name") === "" ? "" : `${str(o, "spec.claimRef.namespace")}/${str(o, "spec.claimRef.name")}`)),
    col("StorageClass", (o) => str(o, "spec.storageClassName")),
    col("Reason", (o) => str(o, "status.reason")),
    col("Age", age),
  ],
  fields: { "status.phase": (o) => str(o, "status.phase") },
  defaults: (o) => {
    const s = specOf(o);
    s.persistentVolumeReclaimPolicy ??= "Retain";
    s.volumeMode ??= "Filesystem";
  },
  validate: (o) => {
    const causes = [...checkMetadata(o), ...validateAccessModes(o)];
    if (str(o, "spec.capacity.storage") === "") causes.push(required("spec.capacity"));
    if (at(o, "spec.local") === undefined && at(o, "spec.hostPath") === undefined) causes.push(required("spec.local"));
    const policy = at(o, "spec.persistentVolumeReclaimPolicy");
    if (!["Retain", "Delete", "Recycle"].includes(String(policy))) causes.push(notSupported("spec.persistentVolumeReclaimPolicy", policy, ["Delete", "Recycle", "Retain"]));
    return causes;
  },
  prepareCreate: (o) => {
    o.status = { phase: "Pending" };
  },
});

export const persistentVolumeClaims: ResourceType = defineKind({
  group: "",
  versions: ["v1"],
  resource: "persistentvolumeclaims",
  kind: "PersistentVolumeClaim",
  namespaced: true,
  shortNames: ["pvc"],
  statusSubresource: true,
  hasSpec: true,
  columns: [
    col("Status", (o) => str(o, "status.phase")),
    col("Volume", (o) => str(o, "spec.volumeName")),
    col("Capacity", (o) => str(o, "status.capacity.storage")),
    col("Access Modes", (o) => (str(o, "status.phase") === "Bound" ? modes(o) : "")),
    col("StorageClass", (o) => str(o, "spec.storageClassName")),
    col("Age", age),
    col("VolumeMode", (o) => str(o, "spec.volumeMode"), { priority: 1 }),
  ],
  fields: { "status.phase": (o) => str(o, "status.phase") },
  defaults: (o) => {
    const s = specOf(o);
    s.volumeMode ??= "Filesystem";
    // The DefaultStorageClass admission: skiff's default class is `local`.
    s.storageClassName ??= "local";
  },
  validate: (o, old) => {
    const causes = [...checkMetadata(o), ...validateAccessModes(o)];
    if (str(o, "spec.resources.requests.storage") === "") causes.push(required("spec.resources.requests.storage"));
    if (old !== undefined) {
      // Bound claims keep their spec apart from volumeName being set once.
      const frozen = (x: KubeObject): string => JSON.stringify({ ...((x.spec as Json | undefined) ?? {}), volumeName: undefined, resources: undefined });
      if (frozen(o) !== frozen(old)) causes.push(invalidValue("spec", "", "spec is immutable after creation except resources.requests for bound claims"));
      const oldVolume = str(old, "spec.volumeName");
      if (oldVolume !== "" && str(o, "spec.volumeName") !== oldVolume) causes.push(invalidValue("spec.volumeName", str(o, "spec.volumeName"), "field is immutable once set"));
    }
    return causes;
  },
  prepareCreate: (o) => {
    o.status = { phase: "Pending" };
  },
});

export const storageClasses: ResourceType = defineKind({
  group: "storage.k8s.io",
  versions: ["v1"],
  resource: "storageclasses",
  kind: "StorageClass",
  namespaced: false,
  shortNames: ["sc"],
  columns: [
    col("Provisioner", (o) => str(o, "provisioner")),
    col("ReclaimPolicy", (o) => str(o, "reclaimPolicy")),
    col("VolumeBindingMode", (o) => str(o, "volumeBindingMode")),
    col("AllowVolumeExpansion", (o) => String(at(o, "allowVolumeExpansion") === true)),
    col("Age", age),
  ],
  defaults: (o) => {
    o.reclaimPolicy ??= "Delete";
    o.volumeBindingMode ??= "Immediate";
  },
  validate: (o) => {
    const causes = checkMetadata(o);
    if (str(o, "provisioner") === "") causes.push(required("provisioner"));
    if (!["Immediate", "WaitForFirstConsumer"].includes(String(o.volumeBindingMode))) causes.push(notSupported("volumeBindingMode", o.volumeBindingMode, ["Immediate", "WaitForFirstConsumer"]));
    return causes;
  },
});
