// core/v1 kinds other than Service: Namespace, Pod, Node, ConfigMap, Secret,
// ServiceAccount, Endpoints, Event.
import type { StatusCause } from "../../errors.ts";
import { age, at, col, num, str } from "../printing.ts";
import type { KubeObject } from "../types.ts";
import { checkMetadata, invalidValue } from "../validation.ts";
import { defineKind } from "./define.ts";
import { addDefaultTolerations, skiffDefaultTolerationSeconds } from "./default-tolerations.ts";
import { defaultPodSpec, validatePodSpec } from "./pod-spec.ts";
import { validatePodSpecUpdate } from "./pod-update.ts";

type Json = Record<string, unknown>;
const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);
const count = (v: unknown): number => (typeof v === "object" && v !== null ? Object.keys(v).length : 0);

export const namespaces = defineKind({
  group: "",
  versions: ["v1"],
  resource: "namespaces",
  kind: "Namespace",
  namespaced: false,
  shortNames: ["ns"],
  statusSubresource: true,
  hasSpec: false,
  columns: [col("Status", (o) => str(o, "status.phase"))],
  fields: { "status.phase": (o) => str(o, "status.phase") },
  prepareCreate: (o) => {
    o.spec = { finalizers: ["kubernetes"] };
    o.status = { phase: "Active" };
  },
  // spec.finalizers change only through the finalize subresource; while any remain, a deleted namespace stays.
  prepareUpdate: (o, old) => {
    o.spec = { ...((o.spec as Json | undefined) ?? {}), finalizers: at(old, "spec.finalizers") ?? [] };
  },
  holdsDeletion: (o) => arr(at(o, "spec.finalizers")).length > 0,
  validate: (o) => checkMetadata(o, "label"),
});

function podStatus(o: KubeObject): string {
  if (o.metadata.deletionTimestamp !== undefined) return "Terminating";
  const reason = str(o, "status.reason");
  if (reason !== "") return reason;
  for (const cs of arr(at(o, "status.containerStatuses"))) {
    const waiting = str(cs, "state.waiting.reason");
    if (waiting !== "") return waiting;
    const terminated = str(cs, "state.terminated.reason");
    if (terminated !== "") return terminated;
  }
  return str(o, "status.phase", "Pending");
}

// kube's pod strategy: a pod no kubelet runs (unbound) or that already
// finished goes at once; a negative grace means the least, 1 s.
function podGracePeriod(o: KubeObject, requested: number | undefined): number {
  if (requested === 0 || str(o, "spec.nodeName") === "") return 0;
  const phase = str(o, "status.phase");
  if (phase === "Succeeded" || phase === "Failed") return 0;
  const fromSpec = at(o, "spec.terminationGracePeriodSeconds");
  const grace = requested ?? (typeof fromSpec === "number" ? fromSpec : 30);
  return grace < 0 ? 1 : grace;
}

export const pods = defineKind({
  group: "",
  versions: ["v1"],
  resource: "pods",
  kind: "Pod",
  namespaced: true,
  shortNames: ["po"],
  categories: ["all"],
  statusSubresource: true,
  hasSpec: false,
  columns: [
    col("Ready", (o) => {
      const statuses = arr(at(o, "status.containerStatuses"));
      const total = arr(at(o, "spec.containers")).length;
      return `${statuses.filter((s) => s.ready === true).length}/${total}`;
    }),
    col("Status", podStatus),
    col("Restarts", (o) => arr(at(o, "status.containerStatuses")).reduce((n, s) => n + num(s, "restartCount"), 0), { type: "integer" }),
    col("Age", age),
    col("IP", (o) => str(o, "status.podIP", "<none>"), { priority: 1 }),
    col("Node", (o) => str(o, "spec.nodeName", "<none>"), { priority: 1 }),
    col("Nominated Node", (o) => str(o, "status.nominatedNodeName", "<none>"), { priority: 1 }),
    col("Readiness Gates", (o) => (arr(at(o, "spec.readinessGates")).length === 0 ? "<none>" : String(arr(at(o, "spec.readinessGates")).length)), { priority: 1 }),
  ],
  fields: {
    "spec.nodeName": (o) => str(o, "spec.nodeName"),
    "spec.restartPolicy": (o) => str(o, "spec.restartPolicy"),
    "spec.schedulerName": (o) => str(o, "spec.schedulerName"),
    "spec.serviceAccountName": (o) => str(o, "spec.serviceAccountName"),
    "status.phase": (o) => str(o, "status.phase"),
    "status.podIP": (o) => str(o, "status.podIP"),
    "status.nominatedNodeName": (o) => str(o, "status.nominatedNodeName"),
  },
  defaults: (o) => {
    defaultPodSpec(o.spec);
    const spec = o.spec as Json | undefined;
    if (spec !== undefined) {
      spec.serviceAccountName ??= "default";
      spec.enableServiceLinks ??= true;
      spec.priority ??= 0;
    }
  },
  prepareCreate: (o) => {
    o.status = { phase: "Pending", qosClass: "BestEffort" };
  },
  gracePeriod: podGracePeriod,
  beforeCreate: async (o, ctx) => addDefaultTolerations(o.spec, ctx.defaultTolerationSeconds ?? skiffDefaultTolerationSeconds),
  validate: (o, old) => {
    const causes: StatusCause[] = [...checkMetadata(o), ...validatePodSpec(o.spec, "spec")];
    if (old !== undefined) causes.push(...validatePodSpecUpdate(o.spec, old.spec));
    return causes;
  },
});

function nodeStatus(o: KubeObject): string {
  const ready = arr(at(o, "status.conditions")).find((c) => c.type === "Ready");
  const base = ready === undefined ? "Unknown" : ready.status === "True" ? "Ready" : "NotReady";
  return at(o, "spec.unschedulable") === true ? `${base},SchedulingDisabled` : base;
}

function nodeAddress(o: KubeObject, type: string): string {
  return str(arr(at(o, "status.addresses")).find((a) => a.type === type), "address", "<none>");
}

export const nodes = defineKind({
  group: "",
  versions: ["v1"],
  resource: "nodes",
  kind: "Node",
  namespaced: false,
  shortNames: ["no"],
  statusSubresource: true,
  hasSpec: false,
  columns: [
    col("Status", nodeStatus),
    col("Roles", (o) => {
      const roles = Object.keys(o.metadata.labels ?? {})
        .filter((k) => k.startsWith("node-role.kubernetes.io/"))
        .map((k) => k.slice("node-role.kubernetes.io/".length));
      return roles.length === 0 ? "<none>" : roles.sort().join(",");
    }),
    col("Age", age),
    col("Version", (o) => str(o, "status.nodeInfo.kubeletVersion")),
    col("Internal-IP", (o) => nodeAddress(o, "InternalIP"), { priority: 1 }),
    col("External-IP", (o) => nodeAddress(o, "ExternalIP"), { priority: 1 }),
    col("OS-Image", (o) => str(o, "status.nodeInfo.osImage", "<unknown>"), { priority: 1 }),
    col("Kernel-Version", (o) => str(o, "status.nodeInfo.kernelVersion", "<unknown>"), { priority: 1 }),
    col("Container-Runtime", (o) => str(o, "status.nodeInfo.containerRuntimeVersion", "<unknown>"), { priority: 1 }),
  ],
  fields: { "spec.unschedulable": (o) => String(at(o, "spec.unschedulable") === true) },
  validate: (o) => checkMetadata(o),
});

export const configMaps = defineKind({
  group: "",
  versions: ["v1"],
  resource: "configmaps",
  kind: "ConfigMap",
  namespaced: true,
  shortNames: ["cm"],
  columns: [col("Data", (o) => count(o.data) + count(o.binaryData), { type: "integer" })],
  validate: (o) => {
    const causes = checkMetadata(o);
    for (const k of Object.keys((o.data as Json | undefined) ?? {})) {
      if (!/^[-._a-zA-Z0-9]+$/.test(k)) causes.push(invalidValue("data", k, "a valid config key must consist of alphanumeric characters, '-', '_' or '.'"));
    }
    return causes;
  },
});

export const secrets = defineKind({
  group: "",
  versions: ["v1"],
  resource: "secrets",
  kind: "Secret",
  namespaced: true,
  columns: [col("Type", (o) => str(o, "type")), col("Data", (o) => count(o.data), { type: "integer" })],
  fields: { type: (o) => str(o, "type") },
  defaults: (o) => {
    o.type ??= "Opaque";
    // stringData is write-only: it is folded into data (base64) as Kubernetes does.
    const stringData = o.stringData as Record<string, string> | undefined;
    if (stringData !== undefined) {
      const data = { ...((o.data as Record<string, string> | undefined) ?? {}) };
      for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(String(v)).toString("base64");
      o.data = data;
      delete o.stringData;
    }
  },
  validate: (o) => {
    const causes = checkMetadata(o);
    for (const [k, v] of Object.entries((o.data as Json | undefined) ?? {})) {
      if (typeof v !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) causes.push(invalidValue(`data[${k}]`, "<secret contents redacted>", "must be base64 encoded"));
    }
    return causes;
  },
});

export const serviceAccounts = defineKind({
  group: "",
  versions: ["v1"],
  resource: "serviceaccounts",
  kind: "ServiceAccount",
  namespaced: true,
  shortNames: ["sa"],
  columns: [col("Secrets", (o) => arr(o.secrets).length, { type: "integer" })],
  validate: (o) => checkMetadata(o),
});

export const endpoints = defineKind({
  group: "",
  versions: ["v1"],
  resource: "endpoints",
  singular: "endpoints",
  kind: "Endpoints",
  namespaced: true,
  shortNames: ["ep"],
  columns: [
    col("Endpoints", (o) => {
      const out: string[] = [];
      for (const subset of arr(o.subsets)) {
        const ports = arr(subset.ports);
        for (const a of arr(subset.addresses)) {
          if (ports.length === 0) out.push(str(a, "ip"));
          for (const p of ports) out.push(`${str(a, "ip")}:${num(p, "port")}`);
        }
      }
      if (out.length === 0) return "<none>";
      return out.length > 3 ? `${out.slice(0, 3).join(",")} + ${out.length - 3} more...` : out.join(",");
    }),
  ],
  validate: (o) => checkMetadata(o),
});

export const events = defineKind({
  group: "",
  versions: ["v1"],
  resource: "events",
  kind: "Event",
  model: "CoreV1Event",
  namespaced: true,
  shortNames: ["ev"],
  columns: [
    col("Last Seen", (o, now) => {
      const t = str(o, "lastTimestamp") || str(o, "eventTime") || o.metadata.creationTimestamp;
      return t === undefined || t === "" ? "<unknown>" : age({ metadata: { creationTimestamp: t } }, now);
    }),
    col("Type", (o) => str(o, "type")),
    col("Reason", (o) => str(o, "reason")),
    col("Object", (o) => `${str(o, "involvedObject.kind").toLowerCase()}/${str(o, "involvedObject.name")}`),
    col("Message", (o) => str(o, "message")),
    col("Name", (o) => o.metadata.name ?? "", { priority: 1 }),
  ],
  fields: {
    "involvedObject.kind": (o) => str(o, "involvedObject.kind"),
    "involvedObject.name": (o) => str(o, "involvedObject.name"),
    "involvedObject.namespace": (o) => str(o, "involvedObject.namespace"),
    "involvedObject.uid": (o) => str(o, "involvedObject.uid"),
    reason: (o) => str(o, "reason"),
    type: (o) => str(o, "type"),
    "source.component": (o) => str(o, "source.component"),
  },
  validate: (o) => checkMetadata(o),
});
