// Kubelet's Summary API (GET /stats/summary), the part metrics-server reads:
// CPU (nanocores) and memory (working set) of the node and of each pod and
// container, from Docker stats. A non-streaming stats call carries two
// samples a second apart (precpu_stats, cpu_stats), so one call gives a rate.
// The node's usage is its agent container's plus its pods'.
import type Docker from "dockerode";
import { containerKindLabel, containerNameLabel, nodeLabel, podNameLabel, podNamespaceLabel, podUidLabel } from "./runtime/labels.ts";

export interface Usage {
  time: string;
  usageNanoCores: number;
  workingSetBytes: number;
}

export interface PodStats {
  podRef: { name: string; namespace: string; uid: string };
  cpu: { time: string; usageNanoCores: number };
  memory: { time: string; workingSetBytes: number };
  containers: { name: string; cpu: { time: string; usageNanoCores: number }; memory: { time: string; workingSetBytes: number } }[];
}

export interface StatsSummary {
  node: { nodeName: string; cpu: { time: string; usageNanoCores: number }; memory: { time: string; workingSetBytes: number } };
  pods: PodStats[];
}

interface DockerStats {
  read?: string;
  cpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number; online_cpus?: number };
  precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  memory_stats?: { usage?: number; stats?: Record<string, number> };
}

/** CPU and memory of one container, as cAdvisor reports them (working set = usage - inactive file pages). */
export function usageOf(s: DockerStats): Usage {
  const cpu = (s.cpu_stats?.cpu_usage?.total_usage ?? 0) - (s.precpu_stats?.cpu_usage?.total_usage ?? 0);
  const system = (s.cpu_stats?.system_cpu_usage ?? 0) - (s.precpu_stats?.system_cpu_usage ?? 0);
  const cpus = s.cpu_stats?.online_cpus ?? 1;
  const usageNanoCores = system > 0 && cpu > 0 ? Math.round((cpu / system) * cpus * 1e9) : 0;
  const usage = s.memory_stats?.usage ?? 0;
  const inactive = s.memory_stats?.stats?.inactive_file ?? s.memory_stats?.stats?.total_inactive_file ?? 0;
  return { time: s.read ?? new Date().toISOString(), usageNanoCores, workingSetBytes: Math.max(0, usage - inactive) };
}

async function statsOf(docker: Docker, id: string): Promise<Usage | undefined> {
  try {
    return usageOf((await docker.getContainer(id).stats({ stream: false })) as DockerStats);
  } catch {
    return undefined; // gone meanwhile
  }
}

export async function statsSummary(docker: Docker, nodeName: string, agentContainer: string): Promise<StatsSummary> {
  const running = await docker.listContainers({ filters: { label: [`${nodeLabel}=${nodeName}`], status: ["running"] } });
  const [agent, ...usages] = await Promise.all([statsOf(docker, agentContainer), ...running.map((c) => statsOf(docker, c.Id))]);
  const now = new Date().toISOString();
  const pods = new Map<string, PodStats>();
  let nodeCpu = agent?.usageNanoCores ?? 0;
  let nodeMemory = agent?.workingSetBytes ?? 0;
  running.forEach((c, i) => {
    const u = usages[i];
    const uid = c.Labels[podUidLabel];
    if (u === undefined || uid === undefined) return;
    nodeCpu += u.usageNanoCores;
    nodeMemory += u.workingSetBytes;
    let pod = pods.get(uid);
    if (pod === undefined) {
      pod = { podRef: { name: c.Labels[podNameLabel] ?? "", namespace: c.Labels[podNamespaceLabel] ?? "", uid }, cpu: { time: now, usageNanoCores: 0 }, memory: { time: now, workingSetBytes: 0 }, containers: [] };
      pods.set(uid, pod);
    }
    pod.cpu.usageNanoCores += u.usageNanoCores;
    pod.memory.workingSetBytes += u.workingSetBytes;
    // The infra container counts toward the pod, as the pause container does in kubelet, but is not listed.
    if (c.Labels[containerKindLabel] === "app") {
      pod.containers.push({ name: c.Labels[containerNameLabel] ?? "", cpu: { time: u.time, usageNanoCores: u.usageNanoCores }, memory: { time: u.time, workingSetBytes: u.workingSetBytes } });
    }
  });
  return { node: { nodeName, cpu: { time: now, usageNanoCores: nodeCpu }, memory: { time: now, workingSetBytes: nodeMemory } }, pods: [...pods.values()] };
}
