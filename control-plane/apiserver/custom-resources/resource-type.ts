// What the REST machinery needs to serve a CRD's resource: one ResourceType
// per served version, with the version's schema (pruning, defaults,
// validation), status and scale subresources and printer columns.
import { humanDuration, nameColumn } from "../registry/printing.ts";
import type { CellValue, Column, KubeObject, ResourceType, ScaleInfo } from "../registry/types.ts";
import { checkMetadata } from "../registry/validation.ts";
import { type CrdVersion, type PrinterColumn, crdSpec } from "../registry/kinds/custom-resource-definition.ts";
import { evaluateJsonPath, parseJsonPath, setJsonPath } from "./json-path.ts";
import { type JsonSchema, applyDefaults, pruneUnknown, validateValue } from "./structural-schema.ts";

function cellOf(value: unknown, type: string, now: number): CellValue {
  if (value === undefined || value === null) return null;
  switch (type) {
    case "date":
      return typeof value === "string" && !Number.isNaN(Date.parse(value)) ? humanDuration(now - Date.parse(value)) : String(value);
    case "integer":
    case "number":
      return typeof value === "number" ? value : null;
    case "boolean":
      return typeof value === "boolean" ? value : null;
    default:
      return typeof value === "object" ? JSON.stringify(value) : String(value);
  }
}

function printerColumn(c: PrinterColumn): Column {
  const path = parseJsonPath(c.jsonPath);
  const type = ["integer", "number", "boolean", "date"].includes(c.type) ? (c.type as Column["type"]) : "string";
  return { name: c.name, type, format: c.format, priority: c.priority, description: c.description, cell: (o, now) => cellOf(evaluateJsonPath(path, o), c.type, now) };
}

function scaleInfo(scale: NonNullable<CrdVersion["subresources"]>["scale"]): ScaleInfo | undefined {
  if (scale === undefined) return undefined;
  const spec = parseJsonPath(scale.specReplicasPath);
  const status = parseJsonPath(scale.statusReplicasPath);
  const selector = scale.labelSelectorPath === undefined ? undefined : parseJsonPath(scale.labelSelectorPath);
  const count = (v: unknown): number => (typeof v === "number" ? v : 0);
  return {
    specReplicas: (o) => count(evaluateJsonPath(spec, o)),
    setSpecReplicas: (o, n) => setJsonPath(spec, o, n),
    statusReplicas: (o) => count(evaluateJsonPath(status, o)),
    selector: (o) => {
      const v = selector === undefined ? undefined : evaluateJsonPath(selector, o);
      return typeof v === "string" ? v : "";
    },
  };
}

/** The resource types a CRD defines, one per served version (storage version first). */
export function typesOfCrd(crd: KubeObject): ResourceType[] {
  const spec = crdSpec(crd);
  const served = spec.versions.filter((v) => v.served).sort((a, b) => Number(b.storage) - Number(a.storage));
  return served.map((v): ResourceType => {
    const schema = (v.schema?.openAPIV3Schema ?? { type: "object", "x-kubernetes-preserve-unknown-fields": true }) as JsonSchema;
    const columns = (v.additionalPrinterColumns ?? []).map(printerColumn);
    return {
      group: spec.group,
      versions: [v.name],
      resource: spec.names.plural,
      singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
      kind: spec.names.kind,
      namespaced: spec.scope === "Namespaced",
      shortNames: spec.names.shortNames ?? [],
      categories: spec.names.categories ?? [],
      model: "",
      statusSubresource: v.subresources?.status !== undefined,
      hasSpec: true,
      // With a status subresource, status is written only there (not on create either).
      prepareCreate: v.subresources?.status === undefined ? undefined : (obj) => void delete obj.status,
      scale: scaleInfo(v.subresources?.scale),
      // With printer columns Kubernetes prints exactly those after NAME (no AGE unless asked for).
      columns: columns.length === 0 ? [] : [nameColumn, ...columns],
      fields: {},
      pruneUnknownFields: (obj) => pruneUnknown(obj, schema),
      refusesStrategicMerge: true,
      defaults: (obj) => applyDefaults(obj, schema),
      validate: (obj) => [...checkMetadata(obj), ...validateValue(obj, schema)],
    };
  });
}
