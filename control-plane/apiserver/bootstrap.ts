// What a new cluster holds before anyone writes: the default namespaces and
// the `kubernetes` Service (first address of the service range) with its
// Endpoints pointing at this apiserver. Safe to run on every start.
import type { ServiceAllocators } from "./allocators.ts";
import { ApiError } from "./errors.ts";
import { findResource } from "./registry/index.ts";
import type { KubeObject, ResourceType } from "./registry/types.ts";
import type { ObjectStore } from "./rest/objects.ts";

export const defaultNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"];

function core(resource: string): ResourceType {
  return findResource({ group: "", version: "v1" }, resource)!;
}

async function ensure(objects: ObjectStore, type: ResourceType, namespace: string | undefined, obj: KubeObject): Promise<void> {
  try {
    await objects.create(type, "v1", namespace, obj);
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 409)) throw err;
  }
}

export async function bootstrapCluster(objects: ObjectStore, allocators: ServiceAllocators, advertiseAddress: string, securePort: number): Promise<void> {
  for (const name of defaultNamespaces) await ensure(objects, core("namespaces"), undefined, { metadata: { name } });
  await allocators.claimApiServiceIp();
  // The address is claimed above, so the Service skips the allocator hooks.
  const services: ResourceType = { ...core("services"), beforeCreate: undefined, afterFailedCreate: undefined };
  await ensure(objects, services, "default", {
    metadata: { name: "kubernetes", labels: { component: "apiserver", provider: "kubernetes" } },
    spec: { type: "ClusterIP", clusterIP: allocators.apiServiceIp, clusterIPs: [allocators.apiServiceIp], ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: securePort }] },
  });
  const endpoints = core("endpoints");
  const subsets = [{ addresses: [{ ip: advertiseAddress }], ports: [{ name: "https", port: securePort, protocol: "TCP" }] }];
  await ensure(objects, endpoints, "default", { metadata: { name: "kubernetes", labels: { "endpointslice.kubernetes.io/skip-mirror": "true" } }, subsets });
}
