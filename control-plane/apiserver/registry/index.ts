// Every kind the apiserver serves, and lookups by group, version and resource.
import { configMaps, endpoints, events, namespaces, nodes, pods, secrets, serviceAccounts } from "./kinds/core.ts";
import { horizontalPodAutoscalers } from "./kinds/autoscaling.ts";
import { customResourceDefinitions } from "./kinds/custom-resource-definition.ts";
import { nodeMetrics, podMetrics } from "./kinds/resource-metrics.ts";
import { ingressClasses, ingresses } from "./kinds/networking.ts";
import { podDisruptionBudgets } from "./kinds/policy.ts";
import { limitRanges, resourceQuotas } from "./kinds/quota.ts";
import { services } from "./kinds/service.ts";
import { persistentVolumeClaims, persistentVolumes, storageClasses } from "./kinds/storage.ts";
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
  resourceQuotas,
  limitRanges,
  persistentVolumes,
  persistentVolumeClaims,
  storageClasses,
  customResourceDefinitions,
  horizontalPodAutoscalers,
  nodeMetrics,
  podMetrics,
  ingresses,
  ingressClasses,
];

/** The kinds CRDs define, kept current by custom-resources/crd-watcher.ts; built-in kinds win on a clash. */
let customResourceTypes: ResourceType[] = [];

export function setCustomResourceTypes(types: ResourceType[]): void {
  customResourceTypes = types;
}

function servedTypes(): ResourceType[] {
  return customResourceTypes.length === 0 ? resourceTypes : [...resourceTypes, ...customResourceTypes];
}

export interface GroupVersion {
  group: string;
  version: string;
}

/** Groups in the order discovery lists them, each with its versions (preferred first). */
export function groups(): { name: string; versions: string[] }[] {
  const out: { name: string; versions: string[] }[] = [];
  for (const t of servedTypes()) {
    if (t.group === "") continue;
    let g = out.find((x) => x.name === t.group);
    if (g === undefined) out.push((g = { name: t.group, versions: [] }));
    for (const v of t.versions) if (!g.versions.includes(v)) g.versions.push(v);
  }
  return out;
}

export function resourcesIn(gv: GroupVersion): ResourceType[] {
  return servedTypes().filter((t) => t.group === gv.group && t.versions.includes(gv.version));
}

export function findResource(gv: GroupVersion, resource: string): ResourceType | undefined {
  return resourcesIn(gv).find((t) => t.resource === resource);
}

export function servesGroupVersion(gv: GroupVersion): boolean {
  return resourcesIn(gv).length > 0;
}
