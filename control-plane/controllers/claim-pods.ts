// Pod claiming (kube's PodControllerRefManager): a controller adopts active
// orphans its selector matches and releases pods it owns that no longer
// match; pods owned by another controller are left alone.
import type { V1LabelSelector, V1Pod } from "@kubernetes/client-node";
import { type ClusterApi, isNotFound, type Named } from "./api.ts";
import { controllerRefOf, ownerRefTo, selectorMatches, withControllerRef, withoutOwnerRef } from "./owners.ts";

export interface PodOwner {
  object: Named;
  kind: string;
  apiVersion: string;
  selector: V1LabelSelector | undefined;
}

/** Runs a write; an object that is gone meanwhile is no error. */
export async function ignoreNotFound<T>(op: () => Promise<T>): Promise<T | undefined> {
  try {
    return await op();
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** The pods (among candidates) that the owner controls after adoption and release. */
export async function claimPods(api: ClusterApi, owner: PodOwner, candidates: V1Pod[]): Promise<V1Pod[]> {
  const uid = owner.object.metadata?.uid ?? "";
  const deleting = owner.object.metadata?.deletionTimestamp !== undefined;
  const claimed: V1Pod[] = [];
  for (const pod of candidates) {
    const ref = controllerRefOf(pod);
    const matches = selectorMatches(owner.selector, pod.metadata?.labels);
    if (ref !== undefined) {
      if (ref.uid !== uid) continue;
      if (matches) claimed.push(pod);
      else await ignoreNotFound(() => api.update("pods", withoutOwnerRef(pod, uid)));
    } else if (matches && !deleting && pod.metadata?.deletionTimestamp === undefined) {
      const adopted = await ignoreNotFound(() => api.update("pods", withControllerRef(pod, ownerRefTo(owner.object, owner.kind, owner.apiVersion))));
      if (adopted !== undefined) claimed.push(adopted);
    }
  }
  return claimed;
}
