// Cluster DNS answers from Services and Endpoints, as CoreDNS's kubernetes
// plugin gives them: A for `<svc>.<ns>.svc.<domain>` (the cluster IP, or
// the ready endpoints' IPs for a headless service, each also as
// `<a-b-c-d>.<svc>...`), SRV for named ports
// (`_<port>._<proto>.<svc>.<ns>.svc.<domain>`), CNAME for ExternalName,
// NXDOMAIN for unknown names. Pure: rebuilt when the objects change.
import type { V1Endpoints, V1Service } from "@kubernetes/client-node";

export const defaultTtl = 5; // seconds, as CoreDNS's kubernetes plugin

export type Answer =
  | { type: "A"; name: string; ttl: number; data: string }
  | { type: "CNAME"; name: string; ttl: number; data: string }
  | { type: "SRV"; name: string; ttl: number; data: { priority: number; weight: number; port: number; target: string } };

export interface Lookup {
  rcode: "NOERROR" | "NXDOMAIN";
  answers: Answer[];
  authoritative: boolean; // inside the cluster domain
}

interface Entry {
  a: string[];
  cname?: string;
  srv: { port: number; target: string }[];
}

export class ClusterRecords {
  private readonly names = new Map<string, Entry>();

  constructor(
    readonly domain: string,
    services: V1Service[],
    endpoints: V1Endpoints[],
  ) {
    const eps = new Map(endpoints.map((e) => [`${e.metadata?.namespace ?? "default"}/${e.metadata?.name ?? ""}`, e]));
    for (const svc of services) {
      const ns = svc.metadata?.namespace ?? "default";
      const name = `${svc.metadata?.name ?? ""}.${ns}.svc.${domain}`;
      const spec = svc.spec ?? {};
      if (spec.type === "ExternalName") {
        if (spec.externalName !== undefined) this.entry(name).cname = spec.externalName.replace(/\.$/, "");
        continue;
      }
      const headless = spec.clusterIP === "None";
      const ready = (eps.get(`${ns}/${svc.metadata?.name ?? ""}`)?.subsets ?? []).flatMap((s) =>
        (s.addresses ?? []).map((a) => ({ ip: a.ip, hostname: a.hostname, ports: s.ports ?? [] })),
      );
      const entry = this.entry(name);
      if (!headless && spec.clusterIP !== undefined && spec.clusterIP !== "") entry.a.push(spec.clusterIP);
      if (headless) {
        for (const ep of ready) {
          entry.a.push(ep.ip);
          this.entry(`${ep.hostname ?? ep.ip.replaceAll(".", "-")}.${name}`).a.push(ep.ip);
        }
      }
      for (const port of spec.ports ?? []) {
        if (port.name === undefined || port.name === "") continue;
        const srvName = `_${port.name}._${(port.protocol ?? "TCP").toLowerCase()}.${name}`;
        const srv = this.entry(srvName).srv;
        if (!headless) {
          srv.push({ port: port.port, target: name });
        } else {
          for (const ep of ready) {
            const p = ep.ports.find((x) => x.name === port.name);
            if (p !== undefined) srv.push({ port: p.port, target: `${ep.hostname ?? ep.ip.replaceAll(".", "-")}.${name}` });
          }
        }
      }
    }
    for (const e of this.names.values()) e.a.sort();
  }

  private entry(name: string): Entry {
    const key = name.toLowerCase();
    let e = this.names.get(key);
    if (e === undefined) {
      e = { a: [], srv: [] };
      this.names.set(key, e);
    }
    return e;
  }

  lookup(qname: string, qtype: string): Lookup {
    const name = qname.replace(/\.$/, "").toLowerCase();
    const inside = name === this.domain || name.endsWith(`.${this.domain}`);
    const entry = this.names.get(name);
    // A name that exists only as the parent of others (`svc.cluster.local`,
    // `<ns>.svc.cluster.local`) exists with no records (NODATA).
    const parent = entry === undefined && inside && [...this.names.keys()].some((n) => n.endsWith(`.${name}`));
    if (entry === undefined) return { rcode: parent || name === this.domain ? "NOERROR" : "NXDOMAIN", answers: [], authoritative: inside };
    const ttl = defaultTtl;
    if (entry.cname !== undefined) {
      // The network is sealed: an outside target is not resolved further. A
      // target inside the cluster domain is answered here too, as CoreDNS does.
      const answers: Answer[] = [{ type: "CNAME", name: qname, ttl, data: entry.cname }];
      const target = this.names.get(entry.cname.toLowerCase());
      if (target !== undefined && target.cname === undefined && (qtype === "A" || qtype === "ANY")) {
        for (const ip of target.a) answers.push({ type: "A", name: entry.cname, ttl, data: ip });
      }
      return { rcode: "NOERROR", answers, authoritative: true };
    }
    const answers: Answer[] = [];
    if (qtype === "A" || qtype === "ANY") for (const ip of entry.a) answers.push({ type: "A", name: qname, ttl, data: ip });
    if (qtype === "SRV" || qtype === "ANY") {
      const weight = entry.srv.length > 0 ? Math.floor(100 / entry.srv.length) : 0;
      for (const s of entry.srv) answers.push({ type: "SRV", name: qname, ttl, data: { priority: 0, weight, port: s.port, target: s.target } });
    }
    return { rcode: "NOERROR", answers, authoritative: true };
  }
}
