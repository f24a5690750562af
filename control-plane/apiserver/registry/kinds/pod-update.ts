// What an update may change in a Pod's spec, as Kubernetes' ValidatePodUpdate
// says: container images, activeDeadlineSeconds, additions to tolerations,
// terminationGracePeriodSeconds from negative to 1. The binding subresource
// (and only an unbound pod) may set nodeName. Anything else is Forbidden.
import type { StatusCause } from "../../errors.ts";
import { deepEqual } from "../../patch/merge-patch.ts";

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export const podUpdatableFields = [
  "`spec.containers[*].image`",
  "`spec.initContainers[*].image`",
  "`spec.activeDeadlineSeconds`",
  "`spec.tolerations` (only additions to existing tolerations)",
  "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
];

/** Copies the images of `old`'s containers onto `spec`'s, when both have the same number. */
function withOldImages(spec: Json, old: Json, field: "containers" | "initContainers"): void {
  const now = spec[field];
  const before = old[field];
  if (!Array.isArray(now) || !Array.isArray(before) || now.length !== before.length) return;
  spec[field] = now.map((c, i) => {
    const was: unknown = before[i];
    return isObj(c) && isObj(was) ? { ...c, image: was.image } : c;
  });
}

/** The spec fields that changed and may not; empty when the update is allowed. */
export function validatePodSpecUpdate(spec: unknown, old: unknown): StatusCause[] {
  if (!isObj(spec) || !isObj(old)) return [];
  const munged: Json = { ...spec };
  withOldImages(munged, old, "containers");
  withOldImages(munged, old, "initContainers");
  const deadline = munged.activeDeadlineSeconds;
  if (deadline !== undefined || old.activeDeadlineSeconds === undefined) munged.activeDeadlineSeconds = old.activeDeadlineSeconds;
  const tolerations = list(munged.tolerations);
  if (list(old.tolerations).every((t) => tolerations.some((n) => deepEqual(n, t)))) munged.tolerations = old.tolerations;
  const grace = old.terminationGracePeriodSeconds;
  if (typeof grace === "number" && grace < 0 && munged.terminationGracePeriodSeconds === 1) munged.terminationGracePeriodSeconds = grace;
  if ((old.nodeName === undefined || old.nodeName === "") && munged.nodeName !== undefined) munged.nodeName = old.nodeName;
  for (const k of Object.keys(munged)) if (munged[k] === undefined) delete munged[k];
  const before: Json = { ...old };
  for (const k of Object.keys(before)) if (before[k] === undefined) delete before[k];
  if (deepEqual(munged, before)) return [];
  const changed = [...new Set([...Object.keys(munged), ...Object.keys(before)])].filter((k) => !deepEqual(munged[k], before[k])).sort();
  return [
    {
      reason: "FieldValueForbidden",
      message: `Forbidden: pod updates may not change fields other than ${podUpdatableFields.join(",")} (changed: ${changed.map((k) => `spec.${k}`).join(", ")})`,
      field: "spec",
    },
  ];
}
