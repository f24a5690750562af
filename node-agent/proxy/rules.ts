// The iptables-restore text for a node's Services, in kube-proxy's iptables
// shape with our own chain names. Pure: Services and Endpoints in, text
// out, so the whole rule set is unit-tested; the applier writes it with one
// `iptables-restore --noflush`, which touches only the chains named here
// (declaring a chain flushes it; Docker's own rules stay as they are).
import { createHash } from "node:crypto";
import type { V1Endpoints, V1Service } from "@kubernetes/client-node";

export const chains = {
  services: "SKIFF-SERVICES",
  nodePorts: "SKIFF-NODEPORTS",
  postrouting: "SKIFF-POSTROUTING",
  markMasq: "SKIFF-MARK-MASQ",
  // filter table
  reject: "SKIFF-SERVICES",
} as const;

// Jumps from the built-in chains, kept apart from the restore text (they
// would be appended again on every --noflush restore).
export const hooks: { table: "nat" | "filter"; chain: string; target: string }[] = [
  { table: "nat", chain: "PREROUTING", target: chains.services },
  { table: "nat", chain: "OUTPUT", target: chains.services },
  { table: "nat", chain: "POSTROUTING", target: chains.postrouting },
  { table: "filter", chain: "FORWARD", target: chains.reject },
  { table: "filter", chain: "OUTPUT", target: chains.reject },
  { table: "filter", chain: "INPUT", target: chains.reject },
];

export const masqueradeMark = "0x4000";
export const affinityTimeoutDefault = 10800;

export interface ProxyConfig {
  serviceCidr: string;
  nodeIp: string;
  /** This node's name: which endpoints are local, for externalTrafficPolicy Local. */
  nodeName?: string;
}

export interface ServicePortRules {
  name: string; // ns/svc:port
  protocol: "tcp" | "udp";
  clusterIp: string;
  port: number;
  nodePort?: number;
  endpoints: { ip: string; port: number }[];
  affinitySeconds?: number; // ClientIP session affinity
  /** status.loadBalancer.ingress addresses of a LoadBalancer: DNATed like the cluster IP. */
  loadBalancerIps?: string[];
  /**
   * externalTrafficPolicy Local: NodePort and load balancer traffic goes only
   * to these (this node's) endpoints, unmasqueraded; none means it is dropped.
   */
  localEndpoints?: { ip: string; port: number }[];
}

function hash(text: string): string {
  // kube-proxy: base32 of a sha256, 16 characters; chain names stay < 29.
  const digest = createHash("sha256").update(text).digest();
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of digest) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 16) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length >= 16) break;
  }
  return out;
}

export const serviceChain = (p: ServicePortRules): string => `SKIFF-SVC-${hash(`${p.name}/${p.protocol}`)}`;
export const externalChain = (p: ServicePortRules): string => `SKIFF-XLB-${hash(`${p.name}/${p.protocol}`)}`;
export const endpointChain = (p: ServicePortRules, ep: { ip: string; port: number }): string =>
  `SKIFF-SEP-${hash(`${p.name}/${p.protocol}/${ep.ip}:${ep.port}`)}`;

// Service ports with their ready endpoints: ClusterIP, NodePort and
// LoadBalancer services with a cluster IP; headless and ExternalName
// services have no rules (DNS answers for them).
export function servicePorts(services: V1Service[], endpoints: V1Endpoints[], nodeName?: string): ServicePortRules[] {
  const byKey = new Map(endpoints.map((e) => [`${e.metadata?.namespace ?? "default"}/${e.metadata?.name ?? ""}`, e]));
  const out: ServicePortRules[] = [];
  for (const svc of services) {
    const spec = svc.spec;
    const clusterIp = spec?.clusterIP;
    if (spec === undefined || clusterIp === undefined || clusterIp === "" || clusterIp === "None" || spec.type === "ExternalName") continue;
    const key = `${svc.metadata?.namespace ?? "default"}/${svc.metadata?.name ?? ""}`;
    const ep = byKey.get(key);
    const affinity = spec.sessionAffinity === "ClientIP" ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? affinityTimeoutDefault) : undefined;
    for (const port of spec.ports ?? []) {
      const protocol = (port.protocol ?? "TCP").toLowerCase();
      if (protocol !== "tcp" && protocol !== "udp") continue;
      const eps: { ip: string; port: number }[] = [];
      const local: { ip: string; port: number }[] = [];
      for (const subset of ep?.subsets ?? []) {
        const match = (subset.ports ?? []).find((p) => (p.name ?? "") === (port.name ?? "") && (p.protocol ?? "TCP").toLowerCase() === protocol);
        if (match === undefined) continue;
        for (const a of subset.addresses ?? []) {
          eps.push({ ip: a.ip, port: match.port });
          if (a.nodeName !== undefined && a.nodeName === nodeName) local.push({ ip: a.ip, port: match.port });
        }
      }
      const order = (a: { ip: string; port: number }, b: { ip: string; port: number }): number => a.ip.localeCompare(b.ip) || a.port - b.port;
      eps.sort(order);
      local.sort(order);
      const external = spec.type === "NodePort" || spec.type === "LoadBalancer";
      const lbIps = spec.type === "LoadBalancer" ? (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? "").filter((ip) => ip !== "") : [];
      out.push({
        name: `${key}${port.name !== undefined && port.name !== "" ? `:${port.name}` : ""}`,
        protocol,
        clusterIp,
        port: port.port,
        ...(port.nodePort !== undefined && (spec.type === "NodePort" || spec.type === "LoadBalancer") ? { nodePort: port.nodePort } : {}),
        endpoints: eps,
        ...(affinity !== undefined ? { affinitySeconds: affinity } : {}),
        ...(lbIps.length > 0 ? { loadBalancerIps: lbIps } : {}),
        ...(external && spec.externalTrafficPolicy === "Local" ? { localEndpoints: local } : {}),
      });
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name) || a.protocol.localeCompare(b.protocol));
}

const comment = (text: string): string => `-m comment --comment "${text.replaceAll('"', "")}"`;

export interface RuleSet {
  text: string; // for iptables-restore --noflush
  chains: Set<string>; // the per-service chains it defines (nat)
}

// `previous` are the per-service chains that exist now: those not written
// again are deleted in the same restore.
export function renderRules(ports: ServicePortRules[], config: ProxyConfig, previous: ReadonlySet<string> = new Set()): RuleSet {
  const natChains: string[] = [chains.services, chains.nodePorts, chains.postrouting, chains.markMasq];
  const nat: string[] = [];
  const filter: string[] = [];
  const perService = new Set<string>();
  nat.push(`-A ${chains.markMasq} -j MARK --or-mark ${masqueradeMark}`);
  nat.push(`-A ${chains.postrouting} -m mark ! --mark ${masqueradeMark}/${masqueradeMark} -j RETURN`);
  nat.push(`-A ${chains.postrouting} -j MARK --xor-mark ${masqueradeMark}`);
  nat.push(`-A ${chains.postrouting} ${comment("skiff service traffic requiring SNAT")} -j MASQUERADE`);
  for (const p of ports) {
    const proto = `-p ${p.protocol} -m ${p.protocol}`;
    const lbIps = p.loadBalancerIps ?? [];
    if (p.endpoints.length === 0) {
      const reject = (dest: string, port: number): void => {
        filter.push(`-A ${chains.reject} -d ${dest}/32 ${proto} --dport ${port} ${comment(`${p.name} has no endpoints`)} -j REJECT --reject-with icmp-port-unreachable`);
      };
      reject(p.clusterIp, p.port);
      if (p.nodePort !== undefined) reject(config.nodeIp, p.nodePort);
      for (const ip of lbIps) reject(ip, p.port);
      continue;
    }
    const svc = serviceChain(p);
    perService.add(svc);
    nat.push(`-A ${chains.services} -d ${p.clusterIp}/32 ${proto} --dport ${p.port} ${comment(`${p.name} cluster IP`)} -j ${svc}`);
    // Traffic from outside the cluster: NodePorts and load balancer addresses.
    let external = svc;
    if (p.localEndpoints !== undefined) {
      if (p.localEndpoints.length === 0) {
        // No endpoint on this node: the node does not answer (kube-proxy drops it too).
        const drop = (dest: string, port: number): void => {
          filter.push(`-A ${chains.reject} -d ${dest}/32 ${proto} --dport ${port} ${comment(`${p.name} has no local endpoints`)} -j DROP`);
        };
        if (p.nodePort !== undefined) drop(config.nodeIp, p.nodePort);
        for (const ip of lbIps) drop(ip, p.port);
        external = "";
      } else {
        external = externalChain(p);
        perService.add(external);
        // Not masqueraded: the pod sees the client's address (its replies come back through this node).
        const locals = p.localEndpoints.map((ep) => endpointChain(p, ep));
        locals.forEach((chain, i) => {
          const left = locals.length - i;
          const pick = left > 1 ? ` -m statistic --mode random --probability ${(1 / left).toFixed(10)}` : "";
          nat.push(`-A ${external} ${comment(`${p.name} local endpoints`)}${pick} -j ${chain}`);
        });
      }
    }
    if (external !== "") {
      if (p.nodePort !== undefined) nat.push(`-A ${chains.nodePorts} ${proto} --dport ${p.nodePort} ${comment(p.name)} -j ${external}`);
      for (const ip of lbIps) nat.push(`-A ${chains.services} -d ${ip}/32 ${proto} --dport ${p.port} ${comment(`${p.name} loadbalancer IP`)} -j ${external}`);
    }
    // Every service packet is masqueraded: replies must come back through
    // this node, which undoes the DNAT (pods share one L2 bridge).
    nat.push(`-A ${svc} ${comment(p.name)} -j ${chains.markMasq}`);
    const seps = p.endpoints.map((ep) => ({ ep, chain: endpointChain(p, ep) }));
    if (p.affinitySeconds !== undefined) {
      for (const { chain } of seps) {
        nat.push(`-A ${svc} ${comment(p.name)} -m recent --name ${chain} --mask 255.255.255.255 --rsource --rcheck --seconds ${p.affinitySeconds} --reap -j ${chain}`);
      }
    }
    seps.forEach(({ chain }, i) => {
      const left = seps.length - i;
      const pick = left > 1 ? ` -m statistic --mode random --probability ${(1 / left).toFixed(10)}` : "";
      nat.push(`-A ${svc} ${comment(p.name)}${pick} -j ${chain}`);
    });
    for (const { ep, chain } of seps) {
      perService.add(chain);
      const affinity = p.affinitySeconds !== undefined ? ` -m recent --name ${chain} --mask 255.255.255.255 --rsource --set` : "";
      nat.push(`-A ${chain} ${comment(p.name)} -p ${p.protocol}${affinity} -m ${p.protocol} -j DNAT --to-destination ${ep.ip}:${ep.port}`);
    }
  }
  nat.push(`-A ${chains.services} -d ${config.nodeIp}/32 ${comment("skiff service nodeports")} -j ${chains.nodePorts}`);
  // Whatever is still addressed to the service CIDR here was not DNATed:
  // an unknown VIP or port. It must not be routed anywhere.
  filter.push(`-A ${chains.reject} -d ${config.serviceCidr} ${comment("unknown service IP or port")} -j REJECT --reject-with icmp-port-unreachable`);
  const stale = [...previous].filter((c) => !perService.has(c)).sort();
  const lines = [
    "*nat",
    ...[...natChains, ...[...perService].sort(), ...stale].map((c) => `:${c} - [0:0]`),
    ...nat,
    ...stale.map((c) => `-X ${c}`),
    "COMMIT",
    "*filter",
    `:${chains.reject} - [0:0]`,
    ...filter,
    "COMMIT",
    "",
  ];
  return { text: lines.join("\n"), chains: perService };
}
