// core/v1 namespace policy kinds: ResourceQuota and LimitRange (their
// admission lives in rest/quota.ts).
import { age, at, col, str } from "../printing.ts";
import type { KubeObject } from "../types.ts";
import { checkMetadata } from "../validation.ts";
import { defineKind } from "./define.ts";

type Json = Record<string, unknown>;

// kubectl's quota columns: "pods: 1/2, requests.cpu: 0/1" (used/hard), limits.* apart.
function usedOverHard(limits: boolean): (o: KubeObject) => string {
  return (o) => {
    const hard = (at(o, "spec.hard") ?? {}) as Json;
    const used = (at(o, "status.used") ?? {}) as Json;
    return Object.keys(hard)
      .filter((k) => k.startsWith("limits.") === limits)
      .sort()
      .map((k) => `${k}: ${String(used[k] ?? "0")}/${String(hard[k])}`)
      .join(", ");
  };
}

export const resourceQuotas = defineKind({
  group: "",
  versions: ["v1"],
  resource: "resourcequotas",
  kind: "ResourceQuota",
  namespaced: true,
  shortNames: ["quota"],
  statusSubresource: true,
  columns: [col("Age", age), col("Request", usedOverHard(false)), col("Limit", usedOverHard(true))],
  prepareCreate: (o) => {
    o.status = { hard: at(o, "spec.hard") ?? {}, used: {} };
  },
  validate: (o) => checkMetadata(o),
});

export const limitRanges = defineKind({
  group: "",
  versions: ["v1"],
  resource: "limitranges",
  kind: "LimitRange",
  namespaced: true,
  shortNames: ["limits"],
  columns: [col("Created At", (o) => str(o, "metadata.creationTimestamp"), { type: "date" })],
  validate: (o) => checkMetadata(o),
});
