// `skiff agent` flags, named as kubelet's where kubelet has one.
import { parseArgs } from "node:util";
import type { V1Taint } from "@kubernetes/client-node";
import { bytes, cpuMillis } from "../kubelet/runtime/quantity.ts";

export interface AgentFlags {
  kubeconfig: string;
  nodeName: string;
  podCidr: string;
  serviceCidr: string;
  // The agent's own container (pods join its PID namespace); by default the
  // container whose hostname this process has, as Docker sets it.
  agentContainer?: string;
  network?: string; // the cluster network; by default the agent's only one
  nodeIp?: string; // by default the agent's address on the cluster network
  cpuMillis?: number;
  memoryBytes?: number;
  maxPods: number;
  taints: V1Taint[];
  labels: Record<string, string>;
  leaseRenewMs: number;
  leaseDurationSeconds: number;
  statusUpdateMs: number;
  syncMs: number;
  infraImage: string;
  clusterDomain: string;
  dnsPort: number;
  logPort: number;
  dockerSocket: string;
  /** API servers (host:port) to reach through a balancer on loopback instead of the kubeconfig's server. */
  apiServers: { host: string; port: number }[];
  /** Extra labels on every container the agent creates (e.g. the cluster's, for cleanup by label). */
  containerLabels: Record<string, string>;
}

export class FlagError extends Error {}

// "5s", "500ms", "2m", or plain seconds.
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (m === null) throw new FlagError(`invalid duration "${text}"`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? "s"]!;
  return Number(m[1]) * unit;
}

// kubelet's --register-with-taints: key=value:Effect or key:Effect, comma-separated.
export function parseTaints(text: string): V1Taint[] {
  if (text.trim() === "") return [];
  return text.split(",").map((t) => {
    const m = /^([^=:]+)(?:=([^:]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(t.trim());
    if (m === null) throw new FlagError(`invalid taint "${t}" (want key=value:Effect)`);
    return { key: m[1]!, ...(m[2] !== undefined ? { value: m[2] } : {}), effect: m[3]! };
  });
}

export function parseLabels(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text.split(",").filter((p) => p.trim() !== "")) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new FlagError(`invalid label "${pair}" (want key=value)`);
    out[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return out;
}

// --api-servers: host:port,host:port (port defaults to 6443).
export function parseHostPorts(text: string): { host: string; port: number }[] {
  return text
    .split(",")
    .filter((h) => h.trim() !== "")
    .map((h) => {
      const m = /^([^:\s]+)(?::(\d+))?$/.exec(h.trim());
      const port = Number(m?.[2] ?? "6443");
      if (m === null || port < 1 || port > 65535) throw new FlagError(`invalid API server "${h}" (want host:port)`);
      return { host: m[1]!, port };
    });
}

export function parseAgentFlags(args: string[]): AgentFlags {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      kubeconfig: { type: "string" },
      "node-name": { type: "string" },
      "pod-cidr": { type: "string" },
      "service-cidr": { type: "string" },
      "agent-container": { type: "string" },
      network: { type: "string" },
      "node-ip": { type: "string" },
      cpu: { type: "string" },
      memory: { type: "string" },
      "max-pods": { type: "string", default: "110" },
      "register-with-taints": { type: "string", default: "" },
      "node-labels": { type: "string", default: "" },
      "node-lease-renew-interval": { type: "string", default: "2s" },
      "node-lease-duration-seconds": { type: "string", default: "40" },
      "node-status-update-frequency": { type: "string", default: "10s" },
      "sync-frequency": { type: "string", default: "1s" },
      "pod-infra-container-image": { type: "string", default: "skiff/node-agent:latest" },
      "cluster-domain": { type: "string", default: "cluster.local" },
      "dns-port": { type: "string", default: "53" },
      port: { type: "string", default: "10250" },
      "docker-socket": { type: "string", default: "/var/run/docker.sock" },
      "api-servers": { type: "string", default: "" },
      "container-labels": { type: "string", default: "" },
    },
  });
  const need = (name: "kubeconfig" | "node-name" | "pod-cidr" | "service-cidr"): string => {
    const v = values[name] ?? (name === "kubeconfig" ? process.env.KUBECONFIG : undefined);
    if (v === undefined || v === "") throw new FlagError(`--${name} is required`);
    return v;
  };
  const int = (name: string, text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0) throw new FlagError(`--${name} must be a non-negative integer`);
    return n;
  };
  return {
    kubeconfig: need("kubeconfig"),
    nodeName: need("node-name"),
    podCidr: need("pod-cidr"),
    serviceCidr: need("service-cidr"),
    ...(values["agent-container"] !== undefined ? { agentContainer: values["agent-container"] } : {}),
    ...(values.network !== undefined ? { network: values.network } : {}),
    ...(values["node-ip"] !== undefined ? { nodeIp: values["node-ip"] } : {}),
    ...(values.cpu !== undefined ? { cpuMillis: cpuMillis(values.cpu) } : {}),
    ...(values.memory !== undefined ? { memoryBytes: bytes(values.memory) } : {}),
    maxPods: int("max-pods", values["max-pods"]),
    taints: parseTaints(values["register-with-taints"]),
    labels: parseLabels(values["node-labels"]),
    leaseRenewMs: parseDuration(values["node-lease-renew-interval"]),
    leaseDurationSeconds: int("node-lease-duration-seconds", values["node-lease-duration-seconds"]),
    statusUpdateMs: parseDuration(values["node-status-update-frequency"]),
    syncMs: parseDuration(values["sync-frequency"]),
    infraImage: values["pod-infra-container-image"],
    clusterDomain: values["cluster-domain"],
    dnsPort: int("dns-port", values["dns-port"]),
    logPort: int("port", values.port),
    dockerSocket: values["docker-socket"],
    apiServers: parseHostPorts(values["api-servers"]),
    containerLabels: parseLabels(values["container-labels"]),
  };
}
