// What the page shows of each object: small, plain views computed from the
// API's objects, so that a diff is "this view changed" and the browser never
// sees (or parses) whole Kubernetes objects.
import type { CoreV1Event, V1Endpoints, V1Node, V1Pod, V1Service } from "@kubernetes/client-node";

export interface NodeView {
  name: string;
  /** The Ready condition's status: True, False or Unknown (no condition yet). */
  ready: string;
  unschedulable: boolean;
  ip: string;
}

export interface PodView {
  key: string;
  namespace: string;
  name: string;
  /** The node it is bound to; "" while it waits for the scheduler. */
  node: string;
  phase: string;
  ready: boolean;
  deleting: boolean;
  ip: string;
}

export interface ServiceView {
  key: string;
  namespace: string;
  name: string;
  type: string;
  clusterIP: string;
  ports: string[];
}

export interface EndpointsView {
  key: string;
  ready: string[];
  notReady: string[];
}

export interface EventView {
  key: string;
  time: string;
  type: string;
  reason: string;
  object: string;
  message: string;
}

/** A store member as Maintenance.Status reports it ("down" when it does not answer). */
export interface MemberView {
  name: string;
  endpoint: string;
  up: boolean;
  memberId: string;
  leaderId: string;
  term: number;
  index: number;
}

/** A container of the cluster that the page may kill or start. */
export interface MachineView {
  name: string;
  role: "member" | "node";
  /** Docker's state: running, exited, ... */
  state: string;
}

export const keyOf = (namespace: string | undefined, name: string | undefined): string => `${namespace ?? ""}/${name ?? ""}`;

export function nodeView(n: V1Node): NodeView {
  const ready = n.status?.conditions?.find((c) => c.type === "Ready")?.status ?? "Unknown";
  const ip = n.status?.addresses?.find((a) => a.type === "InternalIP")?.address ?? "";
  return { name: n.metadata?.name ?? "", ready, unschedulable: n.spec?.unschedulable === true, ip };
}

export function podView(p: V1Pod): PodView {
  const ready = p.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";
  return {
    key: keyOf(p.metadata?.namespace, p.metadata?.name),
    namespace: p.metadata?.namespace ?? "",
    name: p.metadata?.name ?? "",
    node: p.spec?.nodeName ?? "",
    phase: p.status?.phase ?? "Pending",
    ready,
    deleting: p.metadata?.deletionTimestamp !== undefined && p.metadata.deletionTimestamp !== null,
    ip: p.status?.podIP ?? "",
  };
}

export function serviceView(s: V1Service): ServiceView {
  const ports = (s.spec?.ports ?? []).map((p) => `${p.port}${p.nodePort === undefined ? "" : `:${p.nodePort}`}/${p.protocol ?? "TCP"}`);
  return {
    key: keyOf(s.metadata?.namespace, s.metadata?.name),
    namespace: s.metadata?.namespace ?? "",
    name: s.metadata?.name ?? "",
    type: s.spec?.type ?? "ClusterIP",
    clusterIP: s.spec?.clusterIP ?? "",
    ports,
  };
}

export function endpointsView(e: V1Endpoints): EndpointsView {
  const ready: string[] = [];
  const notReady: string[] = [];
  for (const subset of e.subsets ?? []) {
    const ports = (subset.ports ?? []).map((p) => p.port);
    const addr = (ip: string): string[] => (ports.length === 0 ? [ip] : ports.map((p) => `${ip}:${p}`));
    for (const a of subset.addresses ?? []) ready.push(...addr(a.ip));
    for (const a of subset.notReadyAddresses ?? []) notReady.push(...addr(a.ip));
  }
  return { key: keyOf(e.metadata?.namespace, e.metadata?.name), ready, notReady };
}

/** Events carry their time in one of three fields depending on who wrote them. */
function eventTime(e: CoreV1Event): string {
  const t = e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp;
  if (t === undefined || t === null) return "";
  return t instanceof Date ? t.toISOString() : String(t);
}

export function eventView(e: CoreV1Event): EventView {
  const o = e.involvedObject;
  return {
    key: keyOf(e.metadata?.namespace, e.metadata?.name),
    time: eventTime(e),
    type: e.type ?? "Normal",
    reason: e.reason ?? "",
    object: `${o.kind ?? ""}/${o.name ?? ""}`,
    message: e.message ?? "",
  };
}
