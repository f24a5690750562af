// core/v1 Service: defaults, validation, and ClusterIP/NodePort allocation
// (the allocators guarantee uniqueness through the store).
import type { StatusCause } from "../../errors.ts";
import { age, at, col, num, str } from "../printing.ts";
import type { KubeObject } from "../types.ts";
import { checkDns1123Label, checkDns1123Subdomain, checkMetadata, checkPort, duplicate, invalidValue, notSupported, required } from "../validation.ts";
import { defineKind } from "./define.ts";

type Json = Record<string, unknown>;
const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);
const types = ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"];

function spec(o: KubeObject): Json {
  if (typeof o.spec !== "object" || o.spec === null) o.spec = {};
  return o.spec as Json;
}

const wantsClusterIp = (s: Json): boolean => s.type !== "ExternalName" && s.clusterIP !== "None";
const wantsNodePorts = (s: Json): boolean => s.type === "NodePort" || s.type === "LoadBalancer";
// kube allocates a health check port only for LoadBalancers that keep traffic on the node.
const wantsHealthCheckPort = (s: Json): boolean => s.type === "LoadBalancer" && s.externalTrafficPolicy === "Local";
const externalName = (s: Json): string => (typeof s.externalName === "string" ? s.externalName.replace(/\.$/, "") : "");

export const services = defineKind({
  group: "",
  versions: ["v1"],
  resource: "services",
  kind: "Service",
  namespaced: true,
  shortNames: ["svc"],
  categories: ["all"],
  statusSubresource: true,
  columns: [
    col("Type", (o) => str(o, "spec.type")),
    col("Cluster-IP", (o) => str(o, "spec.clusterIP", "<none>") || "<none>"),
    col("External-IP", (o) => {
      const ips = [...(at(o, "spec.externalIPs") as string[] | undefined ?? [])];
      if (str(o, "spec.type") === "ExternalName") return str(o, "spec.externalName");
      for (const ing of arr(at(o, "status.loadBalancer.ingress"))) ips.push(str(ing, "ip") || str(ing, "hostname"));
      if (ips.length > 0) return ips.join(",");
      return str(o, "spec.type") === "LoadBalancer" ? "<pending>" : "<none>";
    }),
    col("Port(s)", (o) => {
      const ports = arr(at(o, "spec.ports")).map((p) => `${num(p, "port")}${num(p, "nodePort") > 0 ? `:${num(p, "nodePort")}` : ""}/${str(p, "protocol", "TCP")}`);
      return ports.length === 0 ? "<none>" : ports.join(",");
    }),
    col("Age", age),
    col("Selector", (o) => {
      const sel = Object.entries((at(o, "spec.selector") as Record<string, string> | undefined) ?? {});
      return sel.length === 0 ? "<none>" : sel.map(([k, v]) => `${k}=${v}`).join(",");
    }, { priority: 1 }),
  ],
  fields: { "spec.clusterIP": (o) => str(o, "spec.clusterIP"), "spec.type": (o) => str(o, "spec.type") },
  defaults: (o) => {
    const s = spec(o);
    s.type ??= "ClusterIP";
    s.sessionAffinity ??= "None";
    if (s.type !== "ExternalName") s.internalTrafficPolicy ??= "Cluster";
    if (wantsNodePorts(s)) s.externalTrafficPolicy ??= "Cluster";
    for (const p of arr(s.ports)) {
      p.protocol ??= "TCP";
      p.targetPort ??= p.port;
    }
    o.status ??= { loadBalancer: {} };
  },
  validate: (o, old) => {
    const causes: StatusCause[] = checkMetadata(o, "label");
    const s = spec(o);
    if (!types.includes(String(s.type))) causes.push(notSupported("spec.type", s.type, types));
    if (!["None", "ClientIP"].includes(String(s.sessionAffinity))) causes.push(notSupported("spec.sessionAffinity", s.sessionAffinity, ["ClientIP", "None"]));
    const ports = arr(s.ports);
    if (ports.length === 0 && s.type !== "ExternalName" && s.clusterIP !== "None") causes.push(required("spec.ports"));
    const names = new Set<string>();
    const numbers = new Set<string>();
    ports.forEach((p, i) => {
      const path = `spec.ports[${i}]`;
      causes.push(...checkPort(`${path}.port`, p.port));
      if (typeof p.targetPort === "number") causes.push(...checkPort(`${path}.targetPort`, p.targetPort));
      if (p.nodePort !== undefined && p.nodePort !== 0 && !wantsNodePorts(s)) causes.push(invalidValue(`${path}.nodePort`, p.nodePort, "may not be used when `type` is 'ClusterIP'"));
      if (!["TCP", "UDP", "SCTP"].includes(String(p.protocol))) causes.push(notSupported(`${path}.protocol`, p.protocol, ["SCTP", "TCP", "UDP"]));
      const name = typeof p.name === "string" ? p.name : "";
      if (ports.length > 1 && name === "") causes.push(required(`${path}.name`));
      if (name !== "") {
        causes.push(...checkDns1123Label(`${path}.name`, name));
        if (names.has(name)) causes.push(duplicate(`${path}.name`, name));
        names.add(name);
      }
      const key = `${String(p.port)}/${String(p.protocol)}`;
      if (numbers.has(key)) causes.push(duplicate(`${path}`, key));
      numbers.add(key);
    });
    if (s.type === "ExternalName") {
      if (externalName(s) === "") causes.push(required("spec.externalName"));
      else causes.push(...checkDns1123Subdomain("spec.externalName", externalName(s)));
      if (typeof s.clusterIP === "string" && s.clusterIP !== "") causes.push(invalidValue("spec.clusterIP", s.clusterIP, "may not be set for ExternalName services"));
    }
    if (s.externalTrafficPolicy !== undefined) {
      if (!wantsNodePorts(s)) causes.push(invalidValue("spec.externalTrafficPolicy", s.externalTrafficPolicy, "may only be set for externally-accessible services"));
      else if (!["Cluster", "Local"].includes(String(s.externalTrafficPolicy))) causes.push(notSupported("spec.externalTrafficPolicy", s.externalTrafficPolicy, ["Cluster", "Local"]));
    }
    if (typeof s.healthCheckNodePort === "number" && s.healthCheckNodePort !== 0 && !wantsHealthCheckPort(s)) {
      causes.push(invalidValue("spec.healthCheckNodePort", s.healthCheckNodePort, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
    }
    if (old !== undefined && s.type !== "ExternalName") {
      const before = str(old, "spec.clusterIP");
      if (before !== "" && s.clusterIP !== undefined && s.clusterIP !== before) causes.push(invalidValue("spec.clusterIP", s.clusterIP, "field is immutable"));
    }
    return causes;
  },
  beforeCreate: async (o, ctx) => {
    const s = spec(o);
    const allocated: { ip?: string; ports: number[] } = { ports: [] };
    try {
      if (wantsClusterIp(s)) {
        s.clusterIP = await ctx.allocateClusterIp(typeof s.clusterIP === "string" && s.clusterIP !== "" ? s.clusterIP : undefined);
        allocated.ip = s.clusterIP as string;
        s.clusterIPs = [s.clusterIP];
        s.ipFamilies ??= ["IPv4"];
        s.ipFamilyPolicy ??= "SingleStack";
      }
      if (wantsNodePorts(s)) {
        for (const p of arr(s.ports)) {
          p.nodePort = await ctx.allocateNodePort(typeof p.nodePort === "number" && p.nodePort !== 0 ? p.nodePort : undefined);
          allocated.ports.push(p.nodePort as number);
        }
      }
      if (wantsHealthCheckPort(s)) {
        s.healthCheckNodePort = await ctx.allocateNodePort(typeof s.healthCheckNodePort === "number" && s.healthCheckNodePort !== 0 ? s.healthCheckNodePort : undefined);
        allocated.ports.push(s.healthCheckNodePort as number);
      }
    } catch (err) {
      if (allocated.ip !== undefined) await ctx.releaseClusterIp(allocated.ip);
      for (const port of allocated.ports) await ctx.releaseNodePort(port);
      throw err;
    }
  },
  afterFailedCreate: (o, ctx) => release(o, ctx),
  // kube's dropTypeDependentFields: a type change drops what only the old
  // type used, when the client sent it back unchanged.
  prepareUpdate: (o, old) => {
    const s = spec(o);
    const before = (typeof old.spec === "object" && old.spec !== null ? old.spec : {}) as Json;
    if (!wantsNodePorts(s)) {
      const oldPorts = new Set(arr(before.ports).map((p) => num(p, "nodePort")));
      for (const p of arr(s.ports)) if (typeof p.nodePort === "number" && oldPorts.has(p.nodePort)) delete p.nodePort;
      if (s.externalTrafficPolicy === before.externalTrafficPolicy) delete s.externalTrafficPolicy;
    }
    if (s.type === "ExternalName" && s.clusterIP === before.clusterIP) {
      for (const f of ["clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"]) delete s[f];
    }
    if (!wantsHealthCheckPort(s) && s.healthCheckNodePort === before.healthCheckNodePort) delete s.healthCheckNodePort;
  },
  beforeUpdate: async (o, old, ctx) => {
    const s = spec(o);
    if (wantsClusterIp(s) && (s.clusterIP === undefined || s.clusterIP === "")) {
      s.clusterIP = str(old, "spec.clusterIP") || (await ctx.allocateClusterIp(undefined));
      s.clusterIPs = [s.clusterIP];
    }
    const before = new Map(arr(at(old, "spec.ports")).map((p) => [`${num(p, "port")}/${str(p, "protocol")}`, num(p, "nodePort")]));
    // Ports the old object held are released in afterUpdate, once the new one is written.
    if (wantsNodePorts(s)) {
      for (const p of arr(s.ports)) {
        const previous = before.get(`${num(p, "port")}/${str(p, "protocol")}`) ?? 0;
        const asked = typeof p.nodePort === "number" && p.nodePort !== 0 ? p.nodePort : previous;
        if (asked !== 0 && asked === previous) p.nodePort = asked;
        else p.nodePort = await ctx.allocateNodePort(asked === 0 ? undefined : asked);
      }
    }
    if (wantsHealthCheckPort(s)) {
      const previous = num(old, "spec.healthCheckNodePort");
      const asked = typeof s.healthCheckNodePort === "number" && s.healthCheckNodePort !== 0 ? s.healthCheckNodePort : previous;
      s.healthCheckNodePort = asked !== 0 && asked === previous ? asked : await ctx.allocateNodePort(asked === 0 ? undefined : asked);
    }
  },
  afterUpdate: async (o, old, ctx) => {
    const kept = new Set([...arr(at(o, "spec.ports")).map((p) => num(p, "nodePort")), num(o, "spec.healthCheckNodePort")]);
    for (const port of [...arr(at(old, "spec.ports")).map((p) => num(p, "nodePort")), num(old, "spec.healthCheckNodePort")]) {
      if (port !== 0 && !kept.has(port)) await ctx.releaseNodePort(port);
    }
    const ip = str(old, "spec.clusterIP");
    if (ip !== "" && ip !== "None" && str(o, "spec.clusterIP") !== ip) await ctx.releaseClusterIp(ip);
  },
  afterDelete: (o, ctx) => release(o, ctx),
});

async function release(o: KubeObject, ctx: Parameters<NonNullable<typeof services.afterDelete>>[1]): Promise<void> {
  const ip = str(o, "spec.clusterIP");
  if (ip !== "" && ip !== "None") await ctx.releaseClusterIp(ip);
  for (const p of arr(at(o, "spec.ports"))) if (num(p, "nodePort") > 0) await ctx.releaseNodePort(num(p, "nodePort"));
  if (num(o, "spec.healthCheckNodePort") > 0) await ctx.releaseNodePort(num(o, "spec.healthCheckNodePort"));
}
