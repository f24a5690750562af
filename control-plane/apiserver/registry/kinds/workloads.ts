// apps/v1 Deployment, ReplicaSet, StatefulSet, DaemonSet; batch/v1 Job and
// CronJob (also served as batch/v1beta1); coordination.k8s.io/v1 Lease.
import type { StatusCause } from "../../errors.ts";
import { age, at, col, labelSelectorString, num, str } from "../printing.ts";
import type { Column, KubeObject, ResourceType, ScaleInfo } from "../types.ts";
import { checkMetadata, invalidValue, notSupported, required } from "../validation.ts";
import { validateCronJobSpec, validateJobSpec, validateJobUpdate } from "./batch-validation.ts";
import { defineKind } from "./define.ts";
import { defaultPodSpec, validatePodSpec, validateSelectorMatchesTemplate } from "./pod-spec.ts";
import { defaultDaemonSetSpec, defaultStatefulSetSpec, validateDaemonSetRules, validateStatefulSetRules } from "./set-rules.ts";

type Json = Record<string, unknown>;

function specOf(o: KubeObject): Json {
  if (typeof o.spec !== "object" || o.spec === null) o.spec = {};
  return o.spec as Json;
}

function templateSpec(o: KubeObject, path = "spec.template.spec"): unknown {
  return at(o, path);
}

const replicaScale: ScaleInfo = {
  specReplicas: (o) => num(o, "spec.replicas", 1),
  setSpecReplicas: (o, n) => {
    specOf(o).replicas = n;
  },
  statusReplicas: (o) => num(o, "status.replicas"),
  selector: (o) => labelSelectorString(at(o, "spec.selector")).replace(/^<none>$/, ""),
};


function wideContainers(path = "spec.template.spec.containers"): Column[] {
  const list = (o: KubeObject): Json[] => (at(o, path) as Json[] | undefined) ?? [];
  return [
    col("Containers", (o) => list(o).map((c) => str(c, "name")).join(","), { priority: 1 }),
    col("Images", (o) => list(o).map((c) => str(c, "image")).join(","), { priority: 1 }),
    col("Selector", (o) => labelSelectorString(at(o, "spec.selector")), { priority: 1 }),
  ];
}

function validateWorkload(o: KubeObject, allowedRestart?: string[]): StatusCause[] {
  const causes = [...checkMetadata(o), ...validateSelectorMatchesTemplate(o.spec, "spec"), ...validatePodSpec(templateSpec(o), "spec.template.spec", allowedRestart)];
  const replicas = at(o, "spec.replicas");
  if (replicas !== undefined && (typeof replicas !== "number" || replicas < 0 || !Number.isInteger(replicas))) {
    causes.push(invalidValue("spec.replicas", replicas, "must be greater than or equal to 0"));
  }
  return causes;
}

function keepSelectorImmutable(o: KubeObject, old: KubeObject | undefined): StatusCause[] {
  if (old === undefined) return [];
  if (JSON.stringify(at(o, "spec.selector")) !== JSON.stringify(at(old, "spec.selector"))) return [invalidValue("spec.selector", at(o, "spec.selector"), "field is immutable")];
  return [];
}

const workloadBase = { group: "apps", versions: ["v1"], namespaced: true, categories: ["all"], statusSubresource: true, hasSpec: true, scale: replicaScale };

export const deployments: ResourceType = defineKind({
  ...workloadBase,
  resource: "deployments",
  kind: "Deployment",
  shortNames: ["deploy"],
  columns: [
    col("Ready", (o) => `${num(o, "status.readyReplicas")}/${num(o, "spec.replicas", 1)}`),
    col("Up-to-date", (o) => num(o, "status.updatedReplicas"), { type: "integer" }),
    col("Available", (o) => num(o, "status.availableReplicas"), { type: "integer" }),
    col("Age", age),
    ...wideContainers(),
  ],
  defaults: (o) => {
    const s = specOf(o);
    s.replicas ??= 1;
    s.revisionHistoryLimit ??= 10;
    s.progressDeadlineSeconds ??= 600;
    const strategy = (s.strategy ??= {}) as Json;
    strategy.type ??= "RollingUpdate";
    if (strategy.type === "RollingUpdate") {
      const ru = (strategy.rollingUpdate ??= {}) as Json;
      ru.maxSurge ??= "25%";
      ru.maxUnavailable ??= "25%";
    }
    defaultPodSpec(templateSpec(o));
  },
  validate: (o, old) => {
    const causes = [...validateWorkload(o, ["Always"]), ...keepSelectorImmutable(o, old)];
    const type = at(o, "spec.strategy.type");
    if (type !== undefined && type !== "RollingUpdate" && type !== "Recreate") causes.push(notSupported("spec.strategy.type", type, ["Recreate", "RollingUpdate"]));
    if (type === "Recreate" && at(o, "spec.strategy.rollingUpdate") !== undefined) causes.push(invalidValue("spec.strategy.rollingUpdate", at(o, "spec.strategy.rollingUpdate"), "may not be specified when strategy `type` is 'Recreate'"));
    return causes;
  },
  prepareCreate: (o) => {
    delete o.status;
  },
});

export const replicaSets: ResourceType = defineKind({
  ...workloadBase,
  resource: "replicasets",
  kind: "ReplicaSet",
  shortNames: ["rs"],
  columns: [
    col("Desired", (o) => num(o, "spec.replicas", 1), { type: "integer" }),
    col("Current", (o) => num(o, "status.replicas"), { type: "integer" }),
    col("Ready", (o) => num(o, "status.readyReplicas"), { type: "integer" }),
    col("Age", age),
    ...wideContainers(),
  ],
  defaults: (o) => {
    specOf(o).replicas ??= 1;
    defaultPodSpec(templateSpec(o));
  },
  validate: (o, old) => [...validateWorkload(o, ["Always"]), ...keepSelectorImmutable(o, old)],
  prepareCreate: (o) => {
    o.status = { replicas: 0 };
  },
});

export const statefulSets: ResourceType = defineKind({
  ...workloadBase,
  resource: "statefulsets",
  kind: "StatefulSet",
  shortNames: ["sts"],
  columns: [col("Ready", (o) => `${num(o, "status.readyReplicas")}/${num(o, "spec.replicas", 1)}`), col("Age", age), ...wideContainers().slice(0, 2)],
  defaults: (o) => {
    const s = specOf(o);
    s.replicas ??= 1;
    s.revisionHistoryLimit ??= 10;
    defaultStatefulSetSpec(s);
    defaultPodSpec(templateSpec(o));
  },
  validate: (o, old) => [...validateWorkload(o, ["Always"]), ...keepSelectorImmutable(o, old), ...validateStatefulSetRules(o, old)],
  prepareCreate: (o) => {
    o.status = { replicas: 0, availableReplicas: 0 };
  },
});

export const daemonSets: ResourceType = defineKind({
  ...workloadBase,
  resource: "daemonsets",
  kind: "DaemonSet",
  shortNames: ["ds"],
  scale: undefined,
  columns: [
    col("Desired", (o) => num(o, "status.desiredNumberScheduled"), { type: "integer" }),
    col("Current", (o) => num(o, "status.currentNumberScheduled"), { type: "integer" }),
    col("Ready", (o) => num(o, "status.numberReady"), { type: "integer" }),
    col("Up-to-date", (o) => num(o, "status.updatedNumberScheduled"), { type: "integer" }),
    col("Available", (o) => num(o, "status.numberAvailable"), { type: "integer" }),
    col("Node Selector", (o) => {
      const sel = Object.entries((at(o, "spec.template.spec.nodeSelector") as Record<string, string> | undefined) ?? {});
      return sel.length === 0 ? "<none>" : sel.map(([k, v]) => `${k}=${v}`).join(",");
    }),
    col("Age", age),
    ...wideContainers(),
  ],
  defaults: (o) => {
    const s = specOf(o);
    s.revisionHistoryLimit ??= 10;
    defaultDaemonSetSpec(s);
    defaultPodSpec(templateSpec(o));
  },
  validate: (o, old) => [...validateWorkload(o, ["Always"]), ...keepSelectorImmutable(o, old), ...validateDaemonSetRules(o)],
  prepareCreate: (o) => {
    o.status = { currentNumberScheduled: 0, desiredNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0 };
  },
});

/** kube's printJob STATUS column (1.28+). */
function jobStatus(o: Json): string {
  const has = (type: string): boolean => ((at(o, "status.conditions") as { type?: string; status?: string }[] | undefined) ?? []).some((c) => c.type === type && c.status === "True");
  if (has("Complete")) return "Complete";
  if (has("Failed")) return "Failed";
  if (at(o, "metadata.deletionTimestamp") !== undefined) return "Terminating";
  if (has("Suspended")) return "Suspended";
  if (has("FailureTarget")) return "FailureTarget";
  if (has("SuccessCriteriaMet")) return "SuccessCriteriaMet";
  return "Running";
}

export const jobs: ResourceType = defineKind({
  group: "batch",
  versions: ["v1"],
  resource: "jobs",
  kind: "Job",
  namespaced: true,
  categories: ["all"],
  statusSubresource: true,
  hasSpec: true,
  columns: [
    col("Status", jobStatus),
    col("Completions", (o) => `${num(o, "status.succeeded")}/${num(o, "spec.completions", 1)}`),
    col("Duration", (o) => {
      const start = str(o, "status.startTime");
      if (start === "") return "";
      const end = str(o, "status.completionTime");
      const ms = (end === "" ? Date.now() : Date.parse(end)) - Date.parse(start);
      return `${Math.max(0, Math.round(ms / 1000))}s`;
    }),
    col("Age", age),
    ...wideContainers(),
  ],
  defaults: (o) => {
    const s = specOf(o);
    s.completions ??= 1;
    s.parallelism ??= 1;
    s.backoffLimit ??= 6;
    s.completionMode ??= "NonIndexed";
    s.suspend ??= false;
    // A Job without a selector gets one on its generated controller-uid label.
    const uid = o.metadata.uid;
    if (s.selector === undefined && uid !== undefined) {
      s.selector = { matchLabels: { "controller-uid": uid } };
      const template = (s.template ??= {}) as Json;
      const meta = (template.metadata ??= {}) as Json;
      meta.labels = { ...((meta.labels as Record<string, string> | undefined) ?? {}), "controller-uid": uid, "job-name": o.metadata.name ?? "" };
    }
    defaultPodSpec(templateSpec(o));
  },
  validate: (o, old) => {
    const causes = [...checkMetadata(o), ...validatePodSpec(templateSpec(o), "spec.template.spec", ["OnFailure", "Never"]), ...validateJobSpec(o, "spec"), ...validateJobUpdate(o, old)];
    if (at(o, "spec.template.spec.restartPolicy") === undefined) causes.push(required("spec.template.spec.restartPolicy"));
    return causes;
  },
  prepareCreate: (o) => {
    delete o.status;
  },
  // batch/v1 Jobs orphan their pods unless told otherwise, for backward compatibility (kubectl asks for Background).
  defaultGcPolicy: () => "OrphanDependents",
});

export const cronJobs: ResourceType = defineKind({
  group: "batch",
  versions: ["v1", "v1beta1"],
  resource: "cronjobs",
  kind: "CronJob",
  namespaced: true,
  shortNames: ["cj"],
  categories: ["all"],
  statusSubresource: true,
  hasSpec: true,
  columns: [
    col("Schedule", (o) => str(o, "spec.schedule")),
    col("Suspend", (o) => (at(o, "spec.suspend") === true ? "True" : "False")),
    col("Active", (o) => ((at(o, "status.active") as unknown[] | undefined) ?? []).length, { type: "integer" }),
    col("Last Schedule", (o, now) => (str(o, "status.lastScheduleTime") === "" ? "<none>" : age({ metadata: { creationTimestamp: str(o, "status.lastScheduleTime") } }, now))),
    col("Age", age),
    ...wideContainers("spec.jobTemplate.spec.template.spec.containers").slice(0, 2),
  ],
  defaults: (o) => {
    const s = specOf(o);
    s.concurrencyPolicy ??= "Allow";
    s.suspend ??= false;
    s.successfulJobsHistoryLimit ??= 3;
    s.failedJobsHistoryLimit ??= 1;
    defaultPodSpec(at(o, "spec.jobTemplate.spec.template.spec"));
  },
  validate: (o) => {
    return [...checkMetadata(o, "label"), ...validatePodSpec(at(o, "spec.jobTemplate.spec.template.spec"), "spec.jobTemplate.spec.template.spec", ["OnFailure", "Never"]), ...validateCronJobSpec(o)];
  },
  prepareCreate: (o) => {
    o.status = {};
  },
  defaultGcPolicy: (version) => (version === "v1beta1" ? "OrphanDependents" : "DeleteDependents"),
});

export const leases: ResourceType = defineKind({
  group: "coordination.k8s.io",
  versions: ["v1"],
  resource: "leases",
  kind: "Lease",
  namespaced: true,
  columns: [col("Holder", (o) => str(o, "spec.holderIdentity")), col("Age", age)],
  validate: (o) => checkMetadata(o),
});
