// apiextensions.k8s.io/v1 CustomResourceDefinition: the kind itself
// (defaults, validation, the NamesAccepted condition). Serving the resources
// it defines is custom-resources/ (every apiserver installs them from a watch
// and marks the CRD Established).
import type { StatusCause } from "../../errors.ts";
import { nameColumn } from "../printing.ts";
import type { KubeObject } from "../types.ts";
import { checkDns1123Label, checkDns1123Subdomain, checkMetadata, invalidValue, notSupported, required } from "../validation.ts";
import { defineKind } from "./define.ts";

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  format?: string;
  priority?: number;
}

export interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  schema?: { openAPIV3Schema?: Record<string, unknown> };
  subresources?: { status?: Record<string, never>; scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string } };
  additionalPrinterColumns?: PrinterColumn[];
}

export interface CrdNames {
  [key: string]: unknown;
  plural: string;
  singular?: string;
  kind: string;
  listKind?: string;
  shortNames?: string[];
  categories?: string[];
}

export interface CrdSpec {
  group: string;
  names: CrdNames;
  scope: "Namespaced" | "Cluster";
  versions: CrdVersion[];
}

export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export function crdSpec(obj: KubeObject): CrdSpec {
  return obj.spec as CrdSpec;
}

export function conditionsOf(obj: KubeObject): Condition[] {
  const status = obj.status as { conditions?: Condition[] } | undefined;
  return Array.isArray(status?.conditions) ? status.conditions : [];
}

/** Sets a condition, keeping its lastTransitionTime when the status did not change. */
export function setCondition(obj: KubeObject, c: Omit<Condition, "lastTransitionTime">): void {
  const status = (obj.status ??= {}) as { conditions?: Condition[] };
  const conditions = (status.conditions = conditionsOf(obj).filter((x) => x.type !== c.type || x.status === c.status));
  const existing = conditions.find((x) => x.type === c.type);
  if (existing !== undefined) Object.assign(existing, c);
  else conditions.push({ ...c, lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, "Z") });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function defaults(obj: KubeObject): void {
  if (!isObject(obj.spec)) return;
  const spec = obj.spec as Partial<CrdSpec>;
  if (isObject(spec.names) && typeof spec.names.kind === "string") {
    spec.names.singular ??= spec.names.kind.toLowerCase();
    spec.names.listKind ??= `${spec.names.kind}List`;
  }
  // acceptedNames and the NamesAccepted and Established conditions are the apiservers' to set (custom-resources/crd-watcher.ts).
  if (Array.isArray(spec.versions)) {
    const status = (obj.status ??= {}) as Record<string, unknown>;
    const stored = new Set(Array.isArray(status.storedVersions) ? (status.storedVersions as string[]) : []);
    for (const v of spec.versions) if (isObject(v) && v.storage === true && typeof v.name === "string") stored.add(v.name);
    status.storedVersions = [...stored];
  }
}

function validateNames(names: unknown): StatusCause[] {
  if (!isObject(names)) return [required("spec.names")];
  const causes: StatusCause[] = [];
  if (typeof names.plural !== "string" || names.plural === "") causes.push(required("spec.names.plural"));
  else causes.push(...checkDns1123Label("spec.names.plural", names.plural));
  if (typeof names.singular === "string") causes.push(...checkDns1123Label("spec.names.singular", names.singular));
  if (typeof names.kind !== "string" || names.kind === "") causes.push(required("spec.names.kind"));
  else if (!/^[A-Za-z][A-Za-z0-9]*$/.test(names.kind)) causes.push(invalidValue("spec.names.kind", names.kind, "may have mixed case, but should otherwise match: ^[a-z]([-a-z0-9]*[a-z0-9])?$"));
  for (const [i, s] of (Array.isArray(names.shortNames) ? names.shortNames : []).entries()) causes.push(...checkDns1123Label(`spec.names.shortNames[${i}]`, String(s)));
  return causes;
}

function validateVersions(versions: unknown): StatusCause[] {
  if (!Array.isArray(versions) || versions.length === 0) return [invalidValue("spec.versions", versions ?? null, "must have exactly one version marked as storage version")];
  const causes: StatusCause[] = [];
  const seen = new Set<string>();
  versions.forEach((v: unknown, i) => {
    const field = `spec.versions[${i}]`;
    if (!isObject(v)) return causes.push(invalidValue(field, v, "must be an object"));
    if (typeof v.name !== "string" || v.name === "") causes.push(required(`${field}.name`));
    else {
      causes.push(...checkDns1123Label(`${field}.name`, v.name));
      if (seen.has(v.name)) causes.push({ reason: "FieldValueDuplicate", message: `Duplicate value: ${JSON.stringify(v.name)}`, field: `${field}.name` });
      seen.add(v.name);
    }
    if (typeof v.served !== "boolean") causes.push(required(`${field}.served`));
    if (typeof v.storage !== "boolean") causes.push(required(`${field}.storage`));
    const schema = (v.schema as { openAPIV3Schema?: unknown } | undefined)?.openAPIV3Schema;
    if (!isObject(schema)) causes.push({ reason: "FieldValueRequired", message: "Required value: schemas are required", field: `${field}.schema.openAPIV3Schema` });
    else if (schema.type !== "object") causes.push(invalidValue(`${field}.schema.openAPIV3Schema.type`, schema.type ?? "", "must be object at the root"));
    return undefined;
  });
  const storage = versions.filter((v: unknown) => isObject(v) && v.storage === true).length;
  if (storage !== 1) causes.push(invalidValue("spec.versions", versions.map((v: { name?: unknown }) => v?.name), "must have exactly one version marked as storage version"));
  return causes;
}

function validate(obj: KubeObject, old: KubeObject | undefined): StatusCause[] {
  const causes = checkMetadata(obj);
  if (!isObject(obj.spec)) return [...causes, required("spec")];
  const spec = obj.spec as Record<string, unknown>;
  if (typeof spec.group !== "string" || spec.group === "") causes.push(required("spec.group"));
  else {
    causes.push(...checkDns1123Subdomain("spec.group", spec.group));
    if (!spec.group.includes(".")) causes.push(invalidValue("spec.group", spec.group, "should be a domain with at least one dot"));
  }
  causes.push(...validateNames(spec.names));
  if (spec.scope !== "Namespaced" && spec.scope !== "Cluster") causes.push(notSupported("spec.scope", spec.scope ?? "", ["Cluster", "Namespaced"]));
  causes.push(...validateVersions(spec.versions));
  const plural = isObject(spec.names) ? spec.names.plural : undefined;
  if (causes.length === 0 && obj.metadata.name !== `${String(plural)}.${String(spec.group)}`) {
    causes.push(invalidValue("metadata.name", obj.metadata.name, `must be spec.names.plural+"."+spec.group`));
  }
  if (old !== undefined) {
    const before = crdSpec(old);
    if (spec.group !== before.group) causes.push(invalidValue("spec.group", spec.group, "field is immutable"));
    if (spec.scope !== before.scope) causes.push(invalidValue("spec.scope", spec.scope, "field is immutable"));
  }
  return causes;
}

export const customResourceDefinitions = defineKind({
  group: "apiextensions.k8s.io",
  versions: ["v1"],
  resource: "customresourcedefinitions",
  kind: "CustomResourceDefinition",
  namespaced: false,
  shortNames: ["crd", "crds"],
  categories: ["api-extensions"],
  statusSubresource: true,
  hasSpec: true,
  columns: [nameColumn, { name: "Created At", type: "date", description: "When the CRD was created.", cell: (o) => o.metadata.creationTimestamp ?? "" }],
  defaults,
  validate,
  prepareCreate: (obj) => {
    delete obj.status;
  },
});
