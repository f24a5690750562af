// A custom resource's openAPIV3Schema applied the way kube-apiserver does:
// prune fields the schema does not declare, fill defaults, then validate
// (type, required, enum, bounds, lengths, pattern, items), with the 422
// messages kubectl users know ("spec.replicas in body should be greater than
// or equal to 0").
import type { StatusCause } from "../errors.ts";

export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  required?: string[];
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  nullable?: boolean;
  default?: unknown;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-embedded-resource"?: boolean;
}

type JsonObject = Record<string, unknown>;

function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const join = (path: string, key: string): string => (path === "" ? key : `${path}.${key}`);

/** Fields every object has whatever its schema says. */
const rootFields = new Set(["apiVersion", "kind", "metadata"]);

/**
 * Removes (in place) what the schema does not declare, unless it preserves
 * unknown fields there, and returns the removed paths.
 */
export function pruneUnknown(value: unknown, schema: JsonSchema, path = ""): string[] {
  if (Array.isArray(value)) {
    return schema.items === undefined ? [] : value.flatMap((v, i) => pruneUnknown(v, schema.items!, `${path}[${i}]`));
  }
  if (!isObject(value)) return [];
  const preserve = schema["x-kubernetes-preserve-unknown-fields"] === true;
  const embedded = schema["x-kubernetes-embedded-resource"] === true;
  const removed: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    if ((path === "" || embedded) && rootFields.has(k)) continue;
    const declared = schema.properties?.[k] ?? (isObject(schema.additionalProperties) ? schema.additionalProperties : undefined);
    if (declared !== undefined) removed.push(...pruneUnknown(v, declared, join(path, k)));
    else if (!preserve && schema.additionalProperties !== true) {
      delete value[k];
      removed.push(join(path, k));
    }
  }
  return removed;
}

/** Fills `default`s (in place) for absent fields of objects that are present. */
export function applyDefaults(value: unknown, schema: JsonSchema): void {
  if (Array.isArray(value)) {
    if (schema.items !== undefined) for (const v of value) applyDefaults(v, schema.items);
    return;
  }
  if (!isObject(value)) return;
  for (const [k, s] of Object.entries(schema.properties ?? {})) {
    if (value[k] === undefined && s.default !== undefined) value[k] = structuredClone(s.default);
    if (value[k] !== undefined) applyDefaults(value[k], s);
  }
  if (isObject(schema.additionalProperties)) {
    for (const [k, v] of Object.entries(value)) if (schema.properties?.[k] === undefined) applyDefaults(v, schema.additionalProperties);
  }
}

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function hasType(v: unknown, schema: JsonSchema): boolean {
  if (schema["x-kubernetes-int-or-string"] === true) return typeof v === "string" || (typeof v === "number" && Number.isInteger(v));
  switch (schema.type) {
    case undefined:
      return true;
    case "integer":
      return typeof v === "number" && Number.isInteger(v);
    case "number":
      return typeof v === "number";
    case "string":
    case "boolean":
      return typeof v === schema.type;
    case "object":
      return isObject(v);
    case "array":
      return Array.isArray(v);
    default:
      return true;
  }
}

const bad = (field: string, value: unknown, why: string): StatusCause => ({
  reason: "FieldValueInvalid",
  message: `Invalid value: ${JSON.stringify(value)}: ${field} in body ${why}`,
  field,
});

function checkScalar(v: unknown, schema: JsonSchema, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (schema.enum !== undefined && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(v))) {
    causes.push({
      reason: "FieldValueNotSupported",
      message: `Unsupported value: ${JSON.stringify(v)}: supported values: ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}`,
      field: path,
    });
  }
  if (typeof v === "number") {
    if (schema.minimum !== undefined) {
      if (schema.exclusiveMinimum === true ? v <= schema.minimum : v < schema.minimum) {
        causes.push(bad(path, v, `should be greater than ${schema.exclusiveMinimum === true ? "" : "or equal to "}${schema.minimum}`));
      }
    }
    if (schema.maximum !== undefined) {
      if (schema.exclusiveMaximum === true ? v >= schema.maximum : v > schema.maximum) {
        causes.push(bad(path, v, `should be less than ${schema.exclusiveMaximum === true ? "" : "or equal to "}${schema.maximum}`));
      }
    }
  }
  if (typeof v === "string") {
    const length = [...v].length;
    if (schema.minLength !== undefined && length < schema.minLength) causes.push(bad(path, v, `should be at least ${schema.minLength} chars long`));
    if (schema.maxLength !== undefined && length > schema.maxLength) causes.push(bad(path, v, `should be at most ${schema.maxLength} chars long`));
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, "u").test(v)) causes.push(bad(path, v, `should match '${schema.pattern}'`));
  }
  return causes;
}

/** Checks a (pruned, defaulted) value against its schema; `path` names the field in messages. */
export function validateValue(v: unknown, schema: JsonSchema, path = ""): StatusCause[] {
  if (v === null && schema.nullable === true) return [];
  if (!hasType(v, schema)) {
    const actual = typeName(v);
    return [{ reason: "FieldValueTypeInvalid", message: `Invalid value: "${actual}": ${path} in body must be of type ${schema.type ?? "int-or-string"}: "${actual}"`, field: path }];
  }
  const causes = checkScalar(v, schema, path);
  if (Array.isArray(v)) {
    if (schema.minItems !== undefined && v.length < schema.minItems) causes.push(bad(path, v.length, `should have at least ${schema.minItems} items`));
    if (schema.maxItems !== undefined && v.length > schema.maxItems) causes.push(bad(path, v.length, `should have at most ${schema.maxItems} items`));
    if (schema.items !== undefined) v.forEach((item, i) => causes.push(...validateValue(item, schema.items!, `${path}[${i}]`)));
  } else if (isObject(v)) {
    for (const name of schema.required ?? []) {
      if (v[name] === undefined) causes.push({ reason: "FieldValueRequired", message: "Required value", field: join(path, name) });
    }
    for (const [k, item] of Object.entries(v)) {
      if (path === "" && rootFields.has(k)) continue;
      const s = schema.properties?.[k] ?? (isObject(schema.additionalProperties) ? schema.additionalProperties : undefined);
      if (s !== undefined) causes.push(...validateValue(item, s, join(path, k)));
    }
  }
  return causes;
}
