// Label selectors (apimachinery semantics) and controller owner references.
import type { V1LabelSelector, V1OwnerReference } from "@kubernetes/client-node";
import type { Named } from "./api.ts";

/** An absent selector matches nothing; an empty one matches everything. */
export function selectorMatches(selector: V1LabelSelector | undefined, labels: Record<string, string> | undefined): boolean {
  if (selector === undefined || selector === null) return false;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const r of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(l, r.key);
    const values = r.values ?? [];
    const ok =
      r.operator === "In" ? has && values.includes(l[r.key]!) : r.operator === "NotIn" ? !has || !values.includes(l[r.key]!) : r.operator === "Exists" ? has : r.operator === "DoesNotExist" ? !has : false;
    if (!ok) return false;
  }
  return true;
}

export function controllerRefOf(o: Named): V1OwnerReference | undefined {
  return (o.metadata?.ownerReferences ?? []).find((r) => r.controller === true);
}

export function ownerRefTo(owner: Named, kind: string, apiVersion: string): V1OwnerReference {
  return { apiVersion, kind, name: owner.metadata?.name ?? "", uid: owner.metadata?.uid ?? "", controller: true, blockOwnerDeletion: true };
}

/** The object with its controller reference set to owner (adoption). */
export function withControllerRef<T extends Named>(o: T, ref: V1OwnerReference): T {
  const copy = structuredClone(o);
  copy.metadata ??= {};
  copy.metadata.ownerReferences = [...(copy.metadata.ownerReferences ?? []).filter((r) => r.uid !== ref.uid), ref];
  return copy;
}

/** The object without the owner's reference (release). */
export function withoutOwnerRef<T extends Named>(o: T, uid: string): T {
  const copy = structuredClone(o);
  copy.metadata ??= {};
  const rest = (copy.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
  if (rest.length > 0) copy.metadata.ownerReferences = rest;
  else delete copy.metadata.ownerReferences;
  return copy;
}
