// autoscaling/v1 HorizontalPodAutoscaler (target CPU utilisation). The
// controller that acts on it is controllers/podautoscaler/.
import type { StatusCause } from "../../errors.ts";
import { age, at, col, num, str } from "../printing.ts";
import type { KubeObject } from "../types.ts";
import { checkMetadata, invalidValue, required } from "../validation.ts";
import { defineKind } from "./define.ts";

function validate(o: KubeObject): StatusCause[] {
  const causes = checkMetadata(o);
  const spec = (o.spec ?? {}) as { scaleTargetRef?: { kind?: unknown; name?: unknown }; minReplicas?: unknown; maxReplicas?: unknown; targetCPUUtilizationPercentage?: unknown };
  if (typeof spec.scaleTargetRef?.kind !== "string" || spec.scaleTargetRef.kind === "") causes.push(required("spec.scaleTargetRef.kind"));
  if (typeof spec.scaleTargetRef?.name !== "string" || spec.scaleTargetRef.name === "") causes.push(required("spec.scaleTargetRef.name"));
  const max = spec.maxReplicas;
  const min = spec.minReplicas;
  if (typeof max !== "number" || !Number.isInteger(max) || max < 1) causes.push(invalidValue("spec.maxReplicas", max ?? null, "must be greater than or equal to 1"));
  if (typeof min !== "number" || !Number.isInteger(min) || min < 1) causes.push(invalidValue("spec.minReplicas", min ?? null, "must be greater than or equal to 1"));
  else if (typeof max === "number" && min > max) causes.push(invalidValue("spec.maxReplicas", max, "must be greater than or equal to `minReplicas`"));
  const target = spec.targetCPUUtilizationPercentage;
  if (typeof target !== "number" || !Number.isInteger(target) || target < 1) causes.push(invalidValue("spec.targetCPUUtilizationPercentage", target ?? null, "must be greater than or equal to 1"));
  return causes;
}

export const horizontalPodAutoscalers = defineKind({
  group: "autoscaling",
  versions: ["v1"],
  resource: "horizontalpodautoscalers",
  kind: "HorizontalPodAutoscaler",
  namespaced: true,
  shortNames: ["hpa"],
  categories: ["all"],
  statusSubresource: true,
  hasSpec: true,
  columns: [
    col("Reference", (o) => `${str(o, "spec.scaleTargetRef.kind")}/${str(o, "spec.scaleTargetRef.name")}`),
    col("Targets", (o) => {
      const current = at(o, "status.currentCPUUtilizationPercentage");
      return `cpu: ${typeof current === "number" ? `${current}%` : "<unknown>"}/${num(o, "spec.targetCPUUtilizationPercentage")}%`;
    }),
    col("MinPods", (o) => num(o, "spec.minReplicas", 1), { type: "integer" }),
    col("MaxPods", (o) => num(o, "spec.maxReplicas"), { type: "integer" }),
    col("Replicas", (o) => num(o, "status.currentReplicas"), { type: "integer" }),
    col("Age", age),
  ],
  defaults: (o) => {
    const spec = (o.spec ??= {}) as Record<string, unknown>;
    spec.minReplicas ??= 1;
    spec.targetCPUUtilizationPercentage ??= 80;
  },
  validate,
  prepareCreate: (o) => {
    o.status = { currentReplicas: 0, desiredReplicas: 0 };
  },
});
