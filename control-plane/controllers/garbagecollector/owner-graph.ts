// The garbage collector's index over every watched object: which objects
// name which owners (by uid), and where the object of a uid lives. Kept
// current from cache events; sync reads it to find dependents.
import type { V1OwnerReference } from "@kubernetes/client-node";
import type { Named } from "../api.ts";
import { type ResourceInfo, resourceId } from "../dynamic/dynamic-api.ts";

/** A queue key: "<resource.group>/<namespace>/<name>" (namespace empty for cluster-scoped objects). */
export function itemKey(r: ResourceInfo, o: Named): string {
  return `${resourceId(r)}/${r.namespaced ? (o.metadata?.namespace ?? "") : ""}/${o.metadata?.name ?? ""}`;
}

export function parseItemKey(key: string): { id: string; namespace: string; name: string } {
  const [id, namespace, name] = key.split("/") as [string, string, string];
  return { id, namespace, name };
}

export function ownerRefsOf(o: Named): V1OwnerReference[] {
  return o.metadata?.ownerReferences ?? [];
}

export class OwnerGraph {
  private readonly keyByUid = new Map<string, string>();
  private readonly dependents = new Map<string, Set<string>>();
  private readonly ownersOf = new Map<string, string[]>();

  /** Records an added or updated object; returns the owner uids it named before or names now. */
  observe(r: ResourceInfo, o: Named): string[] {
    const key = itemKey(r, o);
    const uid = o.metadata?.uid ?? "";
    if (uid !== "") this.keyByUid.set(uid, key);
    const before = this.ownersOf.get(uid) ?? [];
    const now = ownerRefsOf(o).map((ref) => ref.uid);
    for (const owner of before) if (!now.includes(owner)) this.dependents.get(owner)?.delete(key);
    for (const owner of now) {
      let set = this.dependents.get(owner);
      if (set === undefined) this.dependents.set(owner, (set = new Set()));
      set.add(key);
    }
    if (now.length > 0) this.ownersOf.set(uid, now);
    else this.ownersOf.delete(uid);
    return [...new Set([...before, ...now])];
  }

  /** Forgets a deleted object; returns the owner uids it named. */
  forget(r: ResourceInfo, o: Named): string[] {
    const key = itemKey(r, o);
    const uid = o.metadata?.uid ?? "";
    const owners = this.ownersOf.get(uid) ?? [];
    for (const owner of owners) {
      const set = this.dependents.get(owner);
      set?.delete(key);
      if (set?.size === 0) this.dependents.delete(owner);
    }
    this.ownersOf.delete(uid);
    if (this.keyByUid.get(uid) === key) this.keyByUid.delete(uid);
    return owners;
  }

  dependentsOf(uid: string): string[] {
    return [...(this.dependents.get(uid) ?? [])];
  }

  keyOfUid(uid: string): string | undefined {
    return this.keyByUid.get(uid);
  }
}
