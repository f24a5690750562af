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

export type NoExecuteVerdict = { evict: "now" } | { evict: "after"; seconds: number } | { evict: "never" };

/**
 * What NoExecute taints mean for a pod already running on the node (the rule
 * of Kubernetes' taint eviction, for the node lifecycle controller): an
 * untolerated taint evicts at once; tolerated ones let the pod stay for the
 * smallest tolerationSeconds among the matching tolerations, or for ever.
 */
export function noExecuteVerdict(taints: readonly Taint[], tolerations: readonly Toleration[] | undefined): NoExecuteVerdict {
  let seconds: number | undefined;
  for (const taint of taints) {
    if (taint.effect !== "NoExecute") continue;
    const matching = (tolerations ?? []).filter((t) => toleratesTaint(t, taint));
    if (matching.length === 0) return { evict: "now" };
    for (const t of matching) {
      if (t.tolerationSeconds === undefined || t.tolerationSeconds === null) continue;
      const s = Math.max(0, t.tolerationSeconds);
      seconds = seconds === undefined ? s : Math.min(seconds, s);
    }
  }
  return seconds === undefined ? { evict: "never" } : { evict: "after", seconds };
}
