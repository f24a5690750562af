// Whether a pod's tolerations tolerate a node's taints (core/v1 helper semantics).
import type { Taint, Toleration } from "../../kube-types.ts";

export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect !== undefined && t.effect !== "" && t.effect !== taint.effect) return false;
  // An empty key with operator Exists tolerates every taint.
  if (t.key !== undefined && t.key !== "" && t.key !== taint.key) return false;
  switch (t.operator ?? "Equal") {
    case "Exists":
      return true;
    case "Equal":
    case "":
      return (t.value ?? "") === (taint.value ?? "");
    default:
      return false;
  }
}

export function tolerationsTolerate(tolerations: readonly Toleration[] | undefined, taint: Taint): boolean {
  return (tolerations ?? []).some((t) => toleratesTaint(t, taint));
}

/** The first taint (among those the filter keeps) that no toleration tolerates. */
export function findUntoleratedTaint(
  taints: readonly Taint[],
  tolerations: readonly Toleration[] | undefined,
  keep: (taint: Taint) => boolean,
): Taint | undefined {
  return taints.find((taint) => keep(taint) && !tolerationsTolerate(tolerations, taint));
}
