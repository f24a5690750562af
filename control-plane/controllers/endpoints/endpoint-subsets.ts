// What a Service's Endpoints should hold, from its pods: pure. A pod with an
// IP and not terminating is an address (ready when its Ready condition is
// True, or when the Service publishes not-ready addresses), with targetRef
// and nodeName; each Service port resolves its targetPort on the pod (a
// number as is, a name through the pod's container ports). Addresses with
// the same resolved ports share a subset, as kube's RepackSubsets does, and
// everything is sorted so that equal inputs give equal objects.
import type { V1EndpointAddress, CoreV1EndpointPort, V1EndpointSubset, V1Pod, V1Service, V1ServicePort } from "@kubernetes/client-node";

export function selectsPod(service: V1Service, pod: V1Pod): boolean {
  const selector = service.spec?.selector;
  if (selector === undefined || selector === null || Object.keys(selector).length === 0) return false;
  if ((pod.metadata?.namespace ?? "") !== (service.metadata?.namespace ?? "")) return false;
  const labels = pod.metadata?.labels ?? {};
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

function isPodReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

// The pod's port for a Service port, or undefined when a named port is missing.
export function resolveTargetPort(port: V1ServicePort, pod: V1Pod): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === "number") return target;
  if (/^\d+$/.test(target)) return Number(target);
  for (const c of pod.spec?.containers ?? []) {
    const found = c.ports?.find((p) => p.name === target && (p.protocol ?? "TCP") === (port.protocol ?? "TCP"));
    if (found !== undefined) return found.containerPort;
  }
  return undefined;
}

function address(pod: V1Pod, service: V1Service): V1EndpointAddress {
  const m = pod.metadata ?? {};
  const hostname = pod.spec?.hostname !== undefined && pod.spec.subdomain === service.metadata?.name ? pod.spec.hostname : undefined;
  return {
    ip: pod.status?.podIP ?? "",
    ...(hostname !== undefined ? { hostname } : {}),
    ...(pod.spec?.nodeName !== undefined ? { nodeName: pod.spec.nodeName } : {}),
    targetRef: { kind: "Pod", namespace: m.namespace ?? "", name: m.name ?? "", uid: m.uid ?? "" },
  };
}

export function endpointSubsets(service: V1Service, pods: V1Pod[]): V1EndpointSubset[] {
  const publishNotReady = service.spec?.publishNotReadyAddresses === true;
  const groups = new Map<string, { ports: CoreV1EndpointPort[]; ready: V1EndpointAddress[]; notReady: V1EndpointAddress[] }>();
  for (const pod of pods) {
    if (!selectsPod(service, pod)) continue;
    if (pod.status?.podIP === undefined || pod.status.podIP === "" || pod.metadata?.deletionTimestamp !== undefined) continue;
    if (pod.status.phase === "Succeeded" || pod.status.phase === "Failed") continue;
    const ports: CoreV1EndpointPort[] = [];
    for (const sp of service.spec?.ports ?? []) {
      const port = resolveTargetPort(sp, pod);
      if (port === undefined) continue;
      ports.push({ ...(sp.name !== undefined && sp.name !== "" ? { name: sp.name } : {}), port, protocol: sp.protocol ?? "TCP" });
    }
    if (ports.length === 0 && (service.spec?.ports ?? []).length > 0) continue;
    ports.sort((a, b) => (a.name ?? "").localeCompare(b.name ?? "") || a.port - b.port);
    const key = JSON.stringify(ports);
    let group = groups.get(key);
    if (group === undefined) groups.set(key, (group = { ports, ready: [], notReady: [] }));
    (publishNotReady || isPodReady(pod) ? group.ready : group.notReady).push(address(pod, service));
  }
  const byIp = (a: V1EndpointAddress, b: V1EndpointAddress) => a.ip.localeCompare(b.ip, "en", { numeric: true }) || (a.targetRef?.uid ?? "").localeCompare(b.targetRef?.uid ?? "");
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, g]) => ({
      ...(g.ready.length > 0 ? { addresses: g.ready.sort(byIp) } : {}),
      ...(g.notReady.length > 0 ? { notReadyAddresses: g.notReady.sort(byIp) } : {}),
      ...(g.ports.length > 0 ? { ports: g.ports } : {}),
    }));
}
