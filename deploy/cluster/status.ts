// `skiff status`: the members (with the store leader and term), the nodes and
// their readiness, and which member's scheduler and controller manager lead.
import type Docker from "dockerode";
import type { ApiClient } from "../../proto/kube/api-client.ts";
import { leaseHolder, memberApi } from "./api.ts";
import type { ClusterLayout } from "./layout.ts";
import { clusterContainers } from "./machines.ts";
import { memberStatus, type MemberStatus } from "../../proto/etcd/member-status.ts";

interface NodeList {
  items: { metadata: { name: string }; spec?: { unschedulable?: boolean }; status?: { conditions?: { type: string; status: string }[] } }[];
}

async function firstAnswer<T>(tries: (() => Promise<T>)[]): Promise<T | undefined> {
  for (const t of tries) {
    try {
      return await t();
    } catch {
      // the next member may answer
    }
  }
  return undefined;
}

export async function clusterStatus(docker: Docker, layout: ClusterLayout): Promise<string> {
  const containers = await clusterContainers(docker, layout.name);
  if (containers.size === 0) return `cluster "${layout.name}" does not exist (\`skiff up\` starts it)\n`;
  const lines: string[] = [`cluster "${layout.name}"  network ${layout.subnet}  kubeconfig ${layout.kubeconfig}`, "", "MEMBER  IP            CONTAINER  STORE"];
  const statuses = new Map<string, MemberStatus>();
  await Promise.all(
    layout.members.map(async (m) => {
      const s = await memberStatus(`${m.ip}:2379`).catch(() => undefined);
      if (s !== undefined) statuses.set(m.name, s);
    }),
  );
  for (const m of layout.members) {
    const c = containers.get(m.name);
    const s = statuses.get(m.name);
    const store = s === undefined ? "not answering" : `${s.leaderId === s.memberId ? "leader" : "follower"}, term ${s.raftTerm}, index ${s.raftIndex}`;
    lines.push(`${m.name.padEnd(7)} ${m.ip.padEnd(13)} ${(c?.State ?? "missing").padEnd(10)} ${store}`);
  }
  const apis = layout.members.map((m) => memberApi(layout, m, 3_000));
  try {
    const tries = <T>(f: (api: ApiClient) => Promise<T>): (() => Promise<T>)[] => apis.map((api) => () => f(api));
    const scheduler = await firstAnswer(tries((api) => leaseHolder(api, "kube-scheduler")));
    const controllers = await firstAnswer(tries((api) => leaseHolder(api, "kube-controller-manager")));
    lines.push("", `scheduler leader:          ${scheduler ?? "none"}`, `controller-manager leader: ${controllers ?? "none"}`, "", "NODE    IP            CONTAINER  STATUS");
    const nodes = await firstAnswer(tries((api) => api.get<NodeList>("/api/v1/nodes")));
    for (const n of layout.nodes) {
      const c = containers.get(n.name);
      const obj = nodes?.items.find((i) => i.metadata.name === n.name);
      const ready = obj?.status?.conditions?.find((x) => x.type === "Ready")?.status;
      const status = obj === undefined ? "not registered" : `${ready === "True" ? "Ready" : "NotReady"}${obj.spec?.unschedulable === true ? ",SchedulingDisabled" : ""}`;
      lines.push(`${n.name.padEnd(7)} ${n.ip.padEnd(13)} ${(c?.State ?? "missing").padEnd(10)} ${status}`);
    }
  } finally {
    for (const api of apis) api.close();
  }
  return `${lines.join("\n")}\n`;
}
