// The Node object this agent registers and keeps up to date: capacity and
// allocatable from flags or, by default, the agent container's own limits
// (cgroup v1 or v2), labels, addresses, taints, conditions and node info;
// and kubelet's rule for posting status: on a change, or at least every
// minute. Pure apart from reading the cgroup files, which is injected.
import { readFile } from "node:fs/promises";
import { arch, cpus, hostname, totalmem } from "node:os";
import type { V1Node, V1NodeCondition, V1Taint } from "@kubernetes/client-node";

export interface Limits {
  cpuMillis: number;
  memoryBytes: number;
}

type ReadText = (path: string) => Promise<string | undefined>;

const readText: ReadText = async (path) => {
  try {
    return (await readFile(path, "utf8")).trim();
  } catch {
    return undefined;
  }
};

// The container's CPU quota and memory limit; the machine's when unlimited.
export async function containerLimits(read: ReadText = readText): Promise<Limits> {
  let cpuMillis = cpus().length * 1000;
  let memoryBytes = totalmem();
  const v2cpu = await read("/sys/fs/cgroup/cpu.max");
  if (v2cpu !== undefined) {
    const [quota, period] = v2cpu.split(" ");
    if (quota !== "max" && quota !== undefined && period !== undefined) cpuMillis = Math.floor((Number(quota) / Number(period)) * 1000);
    const mem = await read("/sys/fs/cgroup/memory.max");
    if (mem !== undefined && mem !== "max") memoryBytes = Math.min(memoryBytes, Number(mem));
    return { cpuMillis, memoryBytes };
  }
  const quota = Number(await read("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"));
  const period = Number(await read("/sys/fs/cgroup/cpu/cpu.cfs_period_us"));
  if (quota > 0 && period > 0) cpuMillis = Math.floor((quota / period) * 1000);
  const mem = Number(await read("/sys/fs/cgroup/memory/memory.limit_in_bytes"));
  // "No limit" is a huge number (PAGE_COUNTER_MAX pages).
  if (mem > 0 && mem < memoryBytes) memoryBytes = mem;
  return { cpuMillis, memoryBytes };
}

export interface NodeOptions {
  nodeName: string;
  internalIp: string;
  limits: Limits;
  maxPods?: number;
  taints?: V1Taint[];
  labels?: Record<string, string>;
  podCidr?: string;
  dockerVersion?: string;
}

export const kubeletVersion = "v1.20.0-skiff";

export function resources(limits: Limits, maxPods: number): Record<string, string> {
  return { cpu: `${limits.cpuMillis}m`, memory: `${Math.floor(limits.memoryBytes / 1024)}Ki`, pods: String(maxPods) };
}

const conditionText: Record<string, [ok: string, reason: string, message: string]> = {
  Ready: ["True", "KubeletReady", "kubelet is posting ready status"],
  MemoryPressure: ["False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"],
  DiskPressure: ["False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"],
  PIDPressure: ["False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"],
};

// `previous` keeps transition times of conditions whose status is unchanged.
export function nodeObject(o: NodeOptions, now: Date, previous?: V1Node): V1Node {
  const maxPods = o.maxPods ?? 110;
  const conditions: V1NodeCondition[] = ["MemoryPressure", "DiskPressure", "PIDPressure", "Ready"].map((type) => {
    const [status, reason, message] = conditionText[type]!;
    const before = previous?.status?.conditions?.find((c) => c.type === type);
    return {
      type,
      status,
      reason,
      message,
      lastHeartbeatTime: now,
      lastTransitionTime: before !== undefined && before.status === status && before.lastTransitionTime !== undefined ? before.lastTransitionTime : now,
    };
  });
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: o.nodeName,
      labels: {
        "kubernetes.io/hostname": o.nodeName,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": arch() === "x64" ? "amd64" : arch(),
        ...o.labels,
      },
    },
    spec: { ...(o.podCidr !== undefined ? { podCIDR: o.podCidr, podCIDRs: [o.podCidr] } : {}), ...(o.taints !== undefined && o.taints.length > 0 ? { taints: o.taints } : {}) },
    status: {
      capacity: resources(o.limits, maxPods),
      allocatable: resources(o.limits, maxPods),
      addresses: [
        { type: "InternalIP", address: o.internalIp },
        { type: "Hostname", address: hostname() },
      ],
      conditions,
      nodeInfo: {
        architecture: arch() === "x64" ? "amd64" : arch(),
        operatingSystem: "linux",
        osImage: "skiff node-agent",
        kernelVersion: "",
        kubeletVersion,
        kubeProxyVersion: kubeletVersion,
        containerRuntimeVersion: `docker://${o.dockerVersion ?? "unknown"}`,
        machineID: "",
        systemUUID: "",
        bootID: "",
      },
    },
  };
}

// kubelet posts node status when something other than heartbeat times
// changed, and otherwise at least every `reportEvery` (a minute).
export function shouldPostStatus(posted: V1Node | undefined, next: V1Node, now: Date, reportEveryMs = 60_000): boolean {
  if (posted === undefined) return true;
  const strip = (n: V1Node) =>
    JSON.stringify({ ...n.status, conditions: n.status?.conditions?.map((c) => ({ ...c, lastHeartbeatTime: undefined })) }, (_k, v: unknown) =>
      v instanceof Date ? v.toISOString() : v,
    );
  if (strip(posted) !== strip(next)) return true;
  const last = posted.status?.conditions?.find((c) => c.type === "Ready")?.lastHeartbeatTime;
  return last === undefined || now.getTime() - new Date(last).getTime() >= reportEveryMs;
}
