// Every kind the apiserver serves, and lookups by group, version and resource.
import { configMaps, endpoints, events, namespaces, nodes, pods, secrets, serviceAccounts } from "./kinds/core.ts";
import { ingressClasses, ingresses } from "./kinds/networking.ts";
import { podDisruptionBudgets } from "./kinds/policy.ts";
import { services } from "./kinds/service.ts";
import { cronJobs, daemonSets, deployments, jobs, leases, replicaSets, statefulSets } from "./kinds/workloads.ts";
import type { ResourceType } from "./types.ts";

export const resourceTypes: ResourceType[] = [
  namespaces,
  pods,
  nodes,
  services,
  endpoints,
  configMaps,
  secrets,
  serviceAccounts,
  events,
  deployments,
  replicaSets,
  statefulSets,
  daemonSets,
  jobs,
  cronJobs,
  leases,
  podDisruptionBudgets,
  ingresses,
  ingressClasses,
];

export interface GroupVersion {
  group: string;
  version: string;
}

/** Groups in the order discovery lists them, each with its versions (preferred first). */
export function groups(): { name: string; versions: string[] }[] {
  const out: { name: string; versions: string[] }[] = [];
  for (const t of resourceTypes) {
    if (t.group === "") continue;
    let g = out.find((x) => x.name === t.group);
    if (g === undefined) out.push((g = { name: t.group, versions: [] }));
    for (const v of t.versions) if (!g.versions.includes(v)) g.versions.push(v);
  }
  return out;
}

export function resourcesIn(gv: GroupVersion): ResourceType[] {
  return resourceTypes.filter((t) => t.group === gv.group && t.versions.includes(gv.version));
}

export function findResource(gv: GroupVersion, resource: string): ResourceType | undefined {
  return resourcesIn(gv).find((t) => t.resource === resource);
}

export function servesGroupVersion(gv: GroupVersion): boolean {
  return resourcesIn(gv).length > 0;
}
