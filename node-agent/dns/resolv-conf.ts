// The resolver configuration a pod gets, as kubelet writes it for
// dnsPolicy ClusterFirst: the node's DNS, Kubernetes' search path for the
// pod's namespace, ndots:5; dnsConfig adds to it, dnsPolicy None replaces it.
import type { V1Pod } from "@kubernetes/client-node";

export interface PodDns {
  nameservers: string[];
  searches: string[];
  options: string[];
}

export function podDns(pod: V1Pod, nodeDnsIp: string, clusterDomain = "cluster.local"): PodDns | undefined {
  const policy = pod.spec?.dnsPolicy ?? "ClusterFirst";
  const ns = pod.metadata?.namespace ?? "default";
  let base: PodDns | undefined;
  if (policy === "ClusterFirst" || policy === "ClusterFirstWithHostNet") {
    base = { nameservers: [nodeDnsIp], searches: [`${ns}.svc.${clusterDomain}`, `svc.${clusterDomain}`, clusterDomain], options: ["ndots:5"] };
  } else if (policy === "None") {
    base = { nameservers: [], searches: [], options: [] };
  } else {
    return undefined; // Default: the node's own resolver (Docker's)
  }
  const extra = pod.spec?.dnsConfig;
  const options = new Map(base.options.map((o) => [o.split(":")[0]!, o]));
  for (const o of extra?.options ?? []) options.set(o.name ?? "", o.value !== undefined ? `${o.name}:${o.value}` : (o.name ?? ""));
  return {
    nameservers: [...new Set([...base.nameservers, ...(extra?.nameservers ?? [])])].slice(0, 3),
    searches: [...new Set([...base.searches, ...(extra?.searches ?? [])])].slice(0, 32),
    options: [...options.values()],
  };
}

export function resolvConf(dns: PodDns): string {
  const lines = dns.nameservers.map((n) => `nameserver ${n}`);
  if (dns.searches.length > 0) lines.push(`search ${dns.searches.join(" ")}`);
  if (dns.options.length > 0) lines.push(`options ${dns.options.join(" ")}`);
  return lines.join("\n") + "\n";
}
