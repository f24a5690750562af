// The store members as the page shows them: each member's Maintenance.Status
// (leader, term, index), asked of every member once a second. This is the
// dashboard asking the store, not the browser polling: the browser only gets
// the diffs when a member's answer changes.
import { MemberStatusReader } from "../../proto/etcd/member-status.ts";
import type { MemberView } from "./views.ts";

export interface StoreEndpoint {
  name: string;
  /** host:port of its client (etcd v3 gRPC) address. */
  endpoint: string;
}

/** Parses `s1=http://10.77.0.11:2379,s2=...` (or bare URLs, named by their host). */
export function parseStoreEndpoints(value: string): StoreEndpoint[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map((entry) => {
      const eq = entry.indexOf("=");
      const url = eq < 0 ? entry : entry.slice(eq + 1);
      const endpoint = url.replace(/^https?:\/\//, "").replace(/\/$/, "");
      return { name: eq < 0 ? endpoint : entry.slice(0, eq), endpoint };
    });
}

/** The members' client addresses from an --initial-cluster of peer URLs, on the given client port. */
export function storeEndpointsFromInitialCluster(initialCluster: string, clientPort: number): string {
  return initialCluster
    .split(",")
    .map((entry) => {
      const [name, peer] = entry.split("=");
      const url = new URL(peer ?? "");
      return `${name}=http://${url.hostname}:${clientPort}`;
    })
    .join(",");
}

export async function readMember(reader: MemberStatusReader, m: StoreEndpoint, timeoutMs: number): Promise<MemberView> {
  try {
    const s = await reader.status(m.endpoint, timeoutMs);
    return { name: m.name, endpoint: m.endpoint, up: true, memberId: s.memberId, leaderId: s.leaderId, term: s.raftTerm, index: s.raftIndex };
  } catch {
    return { name: m.name, endpoint: m.endpoint, up: false, memberId: "", leaderId: "", term: 0, index: 0 };
  }
}

/** Reads every member every intervalMs and hands the views over; returns a stop function. */
export function pollMembers(members: StoreEndpoint[], onViews: (views: MemberView[]) => void, intervalMs = 1000): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const reader = new MemberStatusReader();
  const round = async (): Promise<void> => {
    const views = await Promise.all(members.map((m) => readMember(reader, m, Math.max(500, intervalMs))));
    if (stopped) return;
    onViews(views);
    timer = setTimeout(() => void round(), intervalMs);
  };
  if (members.length > 0) void round();
  return () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
    reader.close();
  };
}
