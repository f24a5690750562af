// networking.k8s.io/v1 Ingress and IngressClass: the objects and kube's
// validation (rules or a default backend, path types, backends naming a
// Service port by number or name). Routing is done by an ingress
// controller (node-agent/ingress/) reading them like any API client.
import type { StatusCause } from "../../errors.ts";
import { age, at, col, str } from "../printing.ts";
import { checkDns1123Label, checkDns1123Subdomain, checkMetadata, checkPort, invalidValue, notSupported, required } from "../validation.ts";
import { defineKind } from "./define.ts";

type Json = Record<string, unknown>;
const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);
const obj = (v: unknown): Json | undefined => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : undefined);
const pathTypes = ["Exact", "ImplementationSpecific", "Prefix"];

function checkBackend(field: string, backend: Json): StatusCause[] {
  const service = obj(backend.service);
  const resource = obj(backend.resource);
  if (service === undefined && resource === undefined) return [invalidValue(field, "", "one backend (`service` or `resource`) must be specified")];
  if (service !== undefined && resource !== undefined) return [invalidValue(field, "", "cannot set both `service` and `resource` backends")];
  if (service === undefined) return [];
  const causes: StatusCause[] = [];
  const name = typeof service.name === "string" ? service.name : "";
  if (name === "") causes.push(required(`${field}.service.name`));
  else causes.push(...checkDns1123Label(`${field}.service.name`, name));
  const port = obj(service.port) ?? {};
  const hasName = typeof port.name === "string" && port.name !== "";
  const hasNumber = port.number !== undefined && port.number !== 0;
  if (hasName === hasNumber) causes.push(invalidValue(`${field}.service.port`, port, "port name or number is required (not both)"));
  if (hasNumber) causes.push(...checkPort(`${field}.service.port.number`, port.number));
  return causes;
}

function checkHost(field: string, host: string): StatusCause[] {
  // A wildcard host covers exactly one more label: *.example.com.
  const plain = host.startsWith("*.") ? host.slice(2) : host;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) return [invalidValue(field, host, "must be a DNS name, not an IP address")];
  return checkDns1123Subdomain(field, plain);
}

export const ingresses = defineKind({
  group: "networking.k8s.io",
  versions: ["v1"],
  resource: "ingresses",
  kind: "Ingress",
  namespaced: true,
  shortNames: ["ing"],
  statusSubresource: true,
  hasSpec: true,
  columns: [
    col("Class", (o) => str(o, "spec.ingressClassName") || "<none>"),
    col("Hosts", (o) => {
      const hosts = arr(at(o, "spec.rules")).map((r) => str(r, "host")).filter((h) => h !== "");
      return hosts.length === 0 ? "*" : hosts.join(",");
    }),
    col("Address", (o) => arr(at(o, "status.loadBalancer.ingress")).map((i) => str(i, "ip") || str(i, "hostname")).join(",")),
    col("Ports", (o) => (arr(at(o, "spec.tls")).length > 0 ? "80, 443" : "80")),
    col("Age", age),
  ],
  prepareCreate: (o) => {
    o.status = { loadBalancer: {} };
  },
  validate: (o) => {
    const causes: StatusCause[] = checkMetadata(o);
    const spec = obj(o.spec) ?? {};
    const rules = arr(spec.rules);
    const fallback = obj(spec.defaultBackend);
    if (rules.length === 0 && fallback === undefined) causes.push(invalidValue("spec", spec, "either `defaultBackend` or `rules` must be specified"));
    if (fallback !== undefined) causes.push(...checkBackend("spec.defaultBackend", fallback));
    if (typeof spec.ingressClassName === "string") causes.push(...checkDns1123Subdomain("spec.ingressClassName", spec.ingressClassName));
    rules.forEach((rule, i) => {
      const host = typeof rule.host === "string" ? rule.host : "";
      if (host !== "") causes.push(...checkHost(`spec.rules[${i}].host`, host));
      const http = obj(rule.http);
      if (http === undefined) return;
      const paths = arr(http.paths);
      if (paths.length === 0) causes.push(required(`spec.rules[${i}].http.paths`));
      paths.forEach((p, j) => {
        const field = `spec.rules[${i}].http.paths[${j}]`;
        if (p.pathType === undefined) causes.push(required(`${field}.pathType`));
        else if (!pathTypes.includes(String(p.pathType))) causes.push(notSupported(`${field}.pathType`, p.pathType, pathTypes));
        const path = typeof p.path === "string" ? p.path : "";
        if (p.pathType !== "ImplementationSpecific" && !path.startsWith("/")) causes.push(invalidValue(`${field}.path`, path, "must be an absolute path"));
        const backend = obj(p.backend);
        if (backend === undefined) causes.push(required(`${field}.backend`));
        else causes.push(...checkBackend(`${field}.backend`, backend));
      });
    });
    return causes;
  },
});

export const ingressClasses = defineKind({
  group: "networking.k8s.io",
  versions: ["v1"],
  resource: "ingressclasses",
  kind: "IngressClass",
  namespaced: false,
  hasSpec: true,
  columns: [
    col("Controller", (o) => str(o, "spec.controller")),
    col("Parameters", (o) => (at(o, "spec.parameters") === undefined ? "<none>" : `${str(o, "spec.parameters.kind")}/${str(o, "spec.parameters.name")}`)),
    col("Age", age),
  ],
  validate: (o) => {
    const causes: StatusCause[] = checkMetadata(o);
    const controller = str(o, "spec.controller");
    if (controller === "") causes.push(required("spec.controller"));
    else if (!/^[a-z0-9.-]+\/[A-Za-z0-9._/-]+$/.test(controller) || controller.length > 250) {
      causes.push(invalidValue("spec.controller", controller, "must be a domain-prefixed path (such as \"acme.io/foo\")"));
    }
    return causes;
  },
});
