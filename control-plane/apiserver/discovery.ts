// Discovery documents: /api, /apis, /api/v1, /apis/<group>[/<version>], in
// the legacy (non-aggregated) JSON form both kubectl versions accept.
import { type GroupVersion, groups, resourcesIn } from "./registry/index.ts";
import type { ResourceType } from "./registry/types.ts";

const verbs = ["create", "delete", "get", "list", "patch", "update", "watch"];

export function apiVersions(serverAddress: string): Record<string, unknown> {
  return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }] };
}

function groupDoc(name: string, versions: string[]): Record<string, unknown> {
  const vs = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions: vs, preferredVersion: vs[0] };
}

export function apiGroupList(): Record<string, unknown> {
  return { kind: "APIGroupList", apiVersion: "v1", groups: groups().map((g) => groupDoc(g.name, g.versions)) };
}

export function apiGroup(name: string): Record<string, unknown> | undefined {
  const g = groups().find((x) => x.name === name);
  return g === undefined ? undefined : { kind: "APIGroup", apiVersion: "v1", ...groupDoc(g.name, g.versions) };
}

function entries(t: ResourceType): Record<string, unknown>[] {
  const main: Record<string, unknown> = { name: t.resource, singularName: t.singular, namespaced: t.namespaced, kind: t.kind, verbs: t.verbs ?? verbs };
  if (t.shortNames.length > 0) main.shortNames = t.shortNames;
  if (t.categories.length > 0) main.categories = t.categories;
  const out = [main];
  if (t.statusSubresource) out.push({ name: `${t.resource}/status`, singularName: "", namespaced: t.namespaced, kind: t.kind, verbs: ["get", "patch", "update"] });
  if (t.scale !== undefined) out.push({ name: `${t.resource}/scale`, singularName: "", namespaced: t.namespaced, group: "autoscaling", version: "v1", kind: "Scale", verbs: ["get", "patch", "update"] });
  if (t.resource === "pods" && t.group === "") {
    out.push({ name: "pods/binding", singularName: "", namespaced: true, kind: "Binding", verbs: ["create"] });
    // kubectl drain looks for this entry (with group and version) to decide to evict rather than delete.
    out.push({ name: "pods/eviction", singularName: "", namespaced: true, group: "policy", version: "v1", kind: "Eviction", verbs: ["create"] });
  }
  if (t.resource === "namespaces" && t.group === "") out.push({ name: "namespaces/finalize", singularName: "", namespaced: false, kind: "Namespace", verbs: ["update"] });
  return out;
}

export function apiResourceList(gv: GroupVersion): Record<string, unknown> {
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: gv.group === "" ? gv.version : `${gv.group}/${gv.version}`,
    resources: resourcesIn(gv).flatMap(entries),
  };
}
