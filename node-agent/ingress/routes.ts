// The ingress controller's routing table, built from Ingresses of its class
// (IngressClass `skiff`, or no class when `skiff` is the default class),
// Services and Endpoints. Pure, so it is unit-tested: a host and a path in,
// the ready endpoints of the chosen backend out. Matching follows the
// Ingress documentation: an exact host beats a wildcard (`*.example.org`
// covers one label), then the longest matching path, Exact before Prefix at
// equal length; Prefix matches whole path elements (`/foo` matches `/foo`
// and `/foo/bar`, not `/foobar`). Nothing matching: the default backend.
import type { V1Endpoints, V1Ingress, V1IngressBackend, V1IngressClass, V1Service } from "@kubernetes/client-node";

export interface Target {
  ip: string;
  port: number;
}

export type Resolution = { kind: "backend"; service: string; targets: Target[] } | { kind: "none" };

interface Route {
  host: string; // "" any host
  path: string;
  exact: boolean;
  namespace: string;
  backend: V1IngressBackend;
}

const defaultClassAnnotation = "ingressclass.kubernetes.io/is-default-class";

/** Whether an Ingress is this controller's: its class names one of ours, or it has none and ours is the default. */
export function isOurs(ing: V1Ingress, classes: V1IngressClass[], controller: string): boolean {
  const ours = classes.filter((c) => c.spec?.controller === controller);
  const name = ing.spec?.ingressClassName ?? ing.metadata?.annotations?.["kubernetes.io/ingress.class"];
  if (name !== undefined) return ours.some((c) => c.metadata?.name === name);
  return ours.some((c) => c.metadata?.annotations?.[defaultClassAnnotation] === "true");
}

function hostMatches(pattern: string, host: string): boolean {
  if (pattern === "") return true;
  if (pattern.startsWith("*.")) {
    const rest = pattern.slice(1); // ".example.org"
    return host.endsWith(rest) && !host.slice(0, -rest.length).includes(".") && host.length > rest.length;
  }
  return pattern === host;
}

function pathMatches(route: Route, path: string): boolean {
  if (route.exact) return path === route.path;
  const prefix = route.path.replace(/\/+$/, "");
  return prefix === "" || path === prefix || path.startsWith(`${prefix}/`);
}

const hostRank = (h: string): number => (h === "" ? 0 : h.startsWith("*.") ? 1 : 2);

export class RouteTable {
  private readonly routes: Route[] = [];
  private readonly defaults: { namespace: string; backend: V1IngressBackend }[] = [];
  private readonly services: Map<string, V1Service>;
  private readonly endpoints: Map<string, V1Endpoints>;

  constructor(ingresses: V1Ingress[], services: V1Service[], endpoints: V1Endpoints[]) {
    const key = (o: { metadata?: { namespace?: string; name?: string } }): string => `${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}`;
    this.services = new Map(services.map((s) => [key(s), s]));
    this.endpoints = new Map(endpoints.map((e) => [key(e), e]));
    // Oldest Ingress first: on equal rules the first one created wins, as ingress-nginx does.
    const sorted = [...ingresses].sort((a, b) => String(a.metadata?.creationTimestamp ?? "").localeCompare(String(b.metadata?.creationTimestamp ?? "")) || key(a).localeCompare(key(b)));
    for (const ing of sorted) {
      const namespace = ing.metadata?.namespace ?? "default";
      if (ing.spec?.defaultBackend !== undefined) this.defaults.push({ namespace, backend: ing.spec.defaultBackend });
      for (const rule of ing.spec?.rules ?? []) {
        for (const p of rule.http?.paths ?? []) {
          this.routes.push({ host: (rule.host ?? "").toLowerCase(), path: p.path ?? "/", exact: p.pathType === "Exact", namespace, backend: p.backend });
        }
      }
    }
  }

  resolve(hostHeader: string, path: string): Resolution {
    const host = hostHeader.replace(/:\d+$/, "").toLowerCase();
    let best: Route | undefined;
    for (const r of this.routes) {
      if (!hostMatches(r.host, host) || !pathMatches(r, path)) continue;
      if (best === undefined) best = r;
      else {
        const better =
          hostRank(r.host) - hostRank(best.host) || r.path.replace(/\/+$/, "").length - best.path.replace(/\/+$/, "").length || Number(r.exact) - Number(best.exact);
        if (better > 0) best = r;
      }
    }
    const chosen = best ?? this.defaults[0];
    if (chosen === undefined) return { kind: "none" };
    return this.backend(chosen.namespace, chosen.backend);
  }

  private backend(namespace: string, backend: V1IngressBackend): Resolution {
    const svcName = backend.service?.name;
    if (svcName === undefined) return { kind: "none" };
    const service = `${namespace}/${svcName}`;
    const svc = this.services.get(service);
    const port = svc?.spec?.ports?.find((p) => (backend.service?.port?.number !== undefined ? p.port === backend.service.port.number : p.name === backend.service?.port?.name));
    if (svc === undefined || port === undefined) return { kind: "backend", service, targets: [] };
    const targets: Target[] = [];
    for (const subset of this.endpoints.get(service)?.subsets ?? []) {
      const ep = (subset.ports ?? []).find((p) => (p.name ?? "") === (port.name ?? ""));
      if (ep === undefined) continue;
      for (const a of subset.addresses ?? []) targets.push({ ip: a.ip, port: ep.port });
    }
    return { kind: "backend", service, targets };
  }
}
