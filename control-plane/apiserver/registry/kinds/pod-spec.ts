// Pod spec defaulting and validation, shared by Pods and every pod template
// (Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs, CronJobs).
import type { StatusCause } from "../../errors.ts";
import { checkDns1123Label, checkPort, duplicate, invalidValue, notSupported, required } from "../validation.ts";

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const list = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObj) : []);

function defaultContainer(c: Json): void {
  const image = typeof c.image === "string" ? c.image : "";
  if (c.imagePullPolicy === undefined) {
    const tag = image.includes("@") ? "digest" : (/:([^/:]+)$/.exec(image)?.[1] ?? "latest");
    c.imagePullPolicy = tag === "latest" ? "Always" : "IfNotPresent";
  }
  c.terminationMessagePath ??= "/dev/termination-log";
  c.terminationMessagePolicy ??= "File";
  c.resources ??= {};
  for (const p of list(c.ports)) p.protocol ??= "TCP";
}

export function defaultPodSpec(spec: unknown): void {
  if (!isObj(spec)) return;
  spec.restartPolicy ??= "Always";
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= "ClusterFirst";
  spec.schedulerName ??= "default-scheduler";
  spec.securityContext ??= {};
  for (const c of [...list(spec.containers), ...list(spec.initContainers)]) defaultContainer(c);
}

export function validatePodSpec(spec: unknown, path: string, allowedRestart = ["Always", "OnFailure", "Never"]): StatusCause[] {
  if (!isObj(spec)) return [required(path)];
  const causes: StatusCause[] = [];
  const containers = list(spec.containers);
  if (containers.length === 0) causes.push(required(`${path}.containers`));
  const names = new Set<string>();
  const all = [...list(spec.initContainers).map((c, i) => [c, `${path}.initContainers[${i}]`] as const), ...containers.map((c, i) => [c, `${path}.containers[${i}]`] as const)];
  for (const [c, p] of all) {
    const name = c.name;
    if (typeof name !== "string" || name === "") causes.push(required(`${p}.name`));
    else {
      causes.push(...checkDns1123Label(`${p}.name`, name));
      if (names.has(name)) causes.push(duplicate(`${p}.name`, name));
      names.add(name);
    }
    if (typeof c.image !== "string" || c.image.trim() === "") causes.push(required(`${p}.image`));
    const portNames = new Set<string>();
    list(c.ports).forEach((port, j) => {
      const pp = `${p}.ports[${j}]`;
      causes.push(...checkPort(`${pp}.containerPort`, port.containerPort));
      if (port.hostPort !== undefined && port.hostPort !== 0) causes.push(...checkPort(`${pp}.hostPort`, port.hostPort));
      if (port.protocol !== undefined && !["TCP", "UDP", "SCTP"].includes(String(port.protocol))) causes.push(notSupported(`${pp}.protocol`, port.protocol, ["SCTP", "TCP", "UDP"]));
      if (typeof port.name === "string" && port.name !== "") {
        if (port.name.length > 15 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(port.name) || !/[a-z]/.test(port.name)) {
          causes.push(invalidValue(`${pp}.name`, port.name, "must be no more than 15 characters, contain only lowercase alphanumerics and '-', and contain at least one letter"));
        }
        if (portNames.has(port.name)) causes.push(duplicate(`${pp}.name`, port.name));
        portNames.add(port.name);
      }
    });
    if (c.imagePullPolicy !== undefined && !["Always", "IfNotPresent", "Never"].includes(String(c.imagePullPolicy))) {
      causes.push(notSupported(`${p}.imagePullPolicy`, c.imagePullPolicy, ["Always", "IfNotPresent", "Never"]));
    }
  }
  if (spec.restartPolicy !== undefined && !allowedRestart.includes(String(spec.restartPolicy))) causes.push(notSupported(`${path}.restartPolicy`, spec.restartPolicy, allowedRestart));
  const volumes = new Set<string>();
  list(spec.volumes).forEach((v, i) => {
    if (typeof v.name !== "string" || v.name === "") causes.push(required(`${path}.volumes[${i}].name`));
    else {
      causes.push(...checkDns1123Label(`${path}.volumes[${i}].name`, v.name));
      if (volumes.has(v.name)) causes.push(duplicate(`${path}.volumes[${i}].name`, v.name));
      volumes.add(v.name);
    }
  });
  return causes;
}

/** A template's labels must satisfy its owner's selector. */
export function validateSelectorMatchesTemplate(spec: unknown, path: string): StatusCause[] {
  if (!isObj(spec)) return [required(path)];
  const selector = spec.selector;
  if (!isObj(selector)) return [required(`${path}.selector`)];
  const matchLabels = isObj(selector.matchLabels) ? (selector.matchLabels as Record<string, string>) : {};
  const expressions = list(selector.matchExpressions);
  if (Object.keys(matchLabels).length === 0 && expressions.length === 0) return [invalidValue(`${path}.selector`, selector, "empty selector is invalid for deployment")];
  const template = isObj(spec.template) ? spec.template : {};
  const meta = isObj(template.metadata) ? template.metadata : {};
  const labels = isObj(meta.labels) ? (meta.labels as Record<string, string>) : {};
  const matches = Object.entries(matchLabels).every(([k, v]) => labels[k] === v);
  if (!matches) return [invalidValue(`${path}.template.metadata.labels`, labels, "`selector` does not match template `labels`")];
  return [];
}
