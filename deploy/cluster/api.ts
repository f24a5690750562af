// API clients for a `skiff up` cluster, one per member, from the cluster's
// admin kubeconfig with the server pointed at that member.
import { KubeConfig } from "@kubernetes/client-node";
import { ApiClient } from "../../proto/kube/api-client.ts";
import { kubeconfigWithServer } from "../../proto/kube/kubeconfig.ts";
import type { ClusterLayout, Machine } from "./layout.ts";

export function memberApi(layout: ClusterLayout, member: Machine, timeoutMs = 5_000): ApiClient {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfigWithServer(layout.kubeconfig, `https://${member.ip}:6443`));
  return new ApiClient(kc, timeoutMs);
}

interface Lease {
  spec?: { holderIdentity?: string };
}

/** The machine (s1, s2, ...) whose process holds a kube-system Lease; identities are "<hostname>_<uuid>". */
export async function leaseHolder(api: ApiClient, lease: string): Promise<string | undefined> {
  const l = await api.get<Lease>(`/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/${lease}`);
  const holder = l.spec?.holderIdentity;
  return holder === undefined || holder === "" ? undefined : holder.split("_")[0];
}

interface NodeList {
  items: { metadata: { name: string }; status?: { conditions?: { type: string; status: string }[] } }[];
}

/** The names of the nodes whose Ready condition is True. */
export async function readyNodes(api: ApiClient): Promise<string[]> {
  const list = await api.get<NodeList>("/api/v1/nodes");
  return list.items.filter((n) => n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")).map((n) => n.metadata.name);
}
