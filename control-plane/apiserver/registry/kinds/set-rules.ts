// Defaulting and validation particular to apps/v1 StatefulSet and DaemonSet
// (kube's SetDefaults_StatefulSet/_DaemonSet and ValidateStatefulSet*/
// ValidateDaemonSet*), on top of the workload rules in workloads.ts.
import type { StatusCause } from "../../errors.ts";
import { at } from "../printing.ts";
import type { KubeObject } from "../types.ts";
import { invalidValue, notSupported } from "../validation.ts";

type Json = Record<string, unknown>;

function strategyOf(spec: Json): Json {
  if (typeof spec.updateStrategy !== "object" || spec.updateStrategy === null) spec.updateStrategy = {};
  const s = spec.updateStrategy as Json;
  s.type ??= "RollingUpdate";
  return s;
}

export function defaultStatefulSetSpec(spec: Json): void {
  spec.podManagementPolicy ??= "OrderedReady";
  const strategy = strategyOf(spec);
  if (strategy.type === "RollingUpdate") {
    const ru = (strategy.rollingUpdate ??= {}) as Json;
    ru.partition ??= 0;
  }
  const retention = (spec.persistentVolumeClaimRetentionPolicy ??= {}) as Json;
  retention.whenDeleted ??= "Retain";
  retention.whenScaled ??= "Retain";
}

export function defaultDaemonSetSpec(spec: Json): void {
  const strategy = strategyOf(spec);
  if (strategy.type === "RollingUpdate") {
    const ru = (strategy.rollingUpdate ??= {}) as Json;
    ru.maxUnavailable ??= 1;
    ru.maxSurge ??= 0;
  }
}

const updatableStatefulSetFields = ["replicas", "ordinals", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy", "minReadySeconds"];

function isIntOrPercent(v: unknown): boolean {
  return (typeof v === "number" && Number.isInteger(v) && v >= 0) || (typeof v === "string" && /^\d+%?$/.test(v));
}

const isZero = (v: unknown): boolean => v === undefined || v === 0 || v === "0" || v === "0%";

function validateStrategyType(o: KubeObject): StatusCause[] {
  const type = at(o, "spec.updateStrategy.type");
  if (type !== undefined && type !== "RollingUpdate" && type !== "OnDelete") return [notSupported("spec.updateStrategy.type", type, ["OnDelete", "RollingUpdate"])];
  if (type === "OnDelete" && at(o, "spec.updateStrategy.rollingUpdate") !== undefined) {
    return [invalidValue("spec.updateStrategy.rollingUpdate", at(o, "spec.updateStrategy.rollingUpdate"), "only allowed for updateStrategy 'RollingUpdate'")];
  }
  return [];
}

export function validateStatefulSetRules(o: KubeObject, old: KubeObject | undefined): StatusCause[] {
  const causes = validateStrategyType(o);
  const policy = at(o, "spec.podManagementPolicy");
  if (policy !== undefined && policy !== "OrderedReady" && policy !== "Parallel") causes.push(notSupported("spec.podManagementPolicy", policy, ["OrderedReady", "Parallel"]));
  const partition = at(o, "spec.updateStrategy.rollingUpdate.partition");
  if (partition !== undefined && (typeof partition !== "number" || !Number.isInteger(partition) || partition < 0)) {
    causes.push(invalidValue("spec.updateStrategy.rollingUpdate.partition", partition, "must be greater than or equal to 0"));
  }
  if (old !== undefined) {
    const frozen = (x: KubeObject): string => {
      const spec = { ...((x.spec as Json | undefined) ?? {}) };
      for (const f of updatableStatefulSetFields) delete spec[f];
      return JSON.stringify(Object.entries(spec).sort(([a], [b]) => a.localeCompare(b)));
    };
    if (frozen(o) !== frozen(old)) {
      causes.push({
        reason: "FieldValueForbidden",
        message: "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
        field: "spec",
      });
    }
  }
  return causes;
}

export function validateDaemonSetRules(o: KubeObject): StatusCause[] {
  const causes = validateStrategyType(o);
  const ru = "spec.updateStrategy.rollingUpdate";
  const maxUnavailable = at(o, `${ru}.maxUnavailable`);
  const maxSurge = at(o, `${ru}.maxSurge`);
  if (maxUnavailable !== undefined && !isIntOrPercent(maxUnavailable)) causes.push(invalidValue(`${ru}.maxUnavailable`, maxUnavailable, "must be a non-negative integer or percentage"));
  if (maxSurge !== undefined && !isIntOrPercent(maxSurge)) causes.push(invalidValue(`${ru}.maxSurge`, maxSurge, "must be a non-negative integer or percentage"));
  if (at(o, "spec.updateStrategy.type") === "RollingUpdate" && at(o, ru) !== undefined && isZero(maxUnavailable) && isZero(maxSurge)) {
    causes.push(invalidValue(`${ru}.maxUnavailable`, maxUnavailable ?? 0, "may not be 0 when `maxSurge` is 0"));
  }
  return causes;
}
