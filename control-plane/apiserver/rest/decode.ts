// Turning a request body into an object of the expected kind, with
// fieldValidation (Strict refuses unknown and duplicate fields with 400, Warn
// reports them in Warning headers, Ignore and no parameter drop them).
import { pruneUnknownFields } from "@skiff/proto/kube/schema.ts";
import { badRequest } from "../errors.ts";
import { bodyFormat, parseBody, readBody } from "../http/body.ts";
import type { ResourceRequest } from "./context.ts";
import { type KubeObject, type ResourceType, apiVersionOf } from "../registry/types.ts";

export type FieldValidation = "Strict" | "Warn" | "Ignore";

export function fieldValidationOf(query: URLSearchParams): FieldValidation {
  const v = query.get("fieldValidation");
  if (v === null || v === "" || v === "Ignore") return "Ignore";
  if (v === "Strict" || v === "Warn") return v;
  throw badRequest(`fieldValidation must be one of Ignore, Warn, Strict; got ${JSON.stringify(v)}`);
}

/** Applies the field validation mode; returns the Warning header values to send. */
export function checkFields(type: ResourceType, obj: KubeObject, duplicates: string[], mode: FieldValidation, kindModel = type.model): string[] {
  const unknown = type.pruneUnknownFields?.(obj) ?? pruneUnknownFields(kindModel, obj);
  const problems = [...unknown.map((f) => `unknown field "${f}"`), ...duplicates.map((f) => `duplicate field "${f}"`)];
  if (problems.length === 0 || mode === "Ignore") return [];
  if (mode === "Strict") {
    throw badRequest(`${type.kind} in version "${type.versions[0]}" cannot be handled as a ${type.kind}: strict decoding error: ${problems.join(", ")}`);
  }
  return problems.map((p) => `299 - ${JSON.stringify(p)}`);
}

/** The body as an object of `type`: kind and apiVersion must match when given. */
export function asObject(type: ResourceType, version: string, value: unknown): KubeObject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw badRequest("the body must be a JSON object");
  const obj = value as KubeObject;
  const expected = apiVersionOf(type.group, version);
  if (obj.kind !== undefined && obj.kind !== type.kind) {
    throw badRequest(`the kind in the body (${String(obj.kind)}) does not match the expected kind (${type.kind})`);
  }
  if (obj.apiVersion !== undefined && obj.apiVersion !== expected) {
    throw badRequest(`the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${expected})`);
  }
  if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
  if (typeof obj.metadata !== "object" || Array.isArray(obj.metadata)) throw badRequest("metadata must be an object");
  // Types the server itself relies on (keys, selectors) are checked before anything reads them.
  const meta = obj.metadata as Record<string, unknown>;
  for (const f of ["name", "generateName", "namespace", "resourceVersion", "uid"]) {
    if (meta[f] !== undefined && meta[f] !== null && typeof meta[f] !== "string") throw badRequest(`metadata.${f} must be a string`);
  }
  for (const f of ["labels", "annotations"]) {
    const m = meta[f];
    if (m === undefined || m === null) continue;
    if (typeof m !== "object" || Array.isArray(m) || Object.values(m).some((v) => typeof v !== "string")) throw badRequest(`metadata.${f} must map strings to strings`);
  }
  if (meta.finalizers !== undefined && meta.finalizers !== null && (!Array.isArray(meta.finalizers) || meta.finalizers.some((v) => typeof v !== "string"))) {
    throw badRequest("metadata.finalizers must be a list of strings");
  }
  return obj;
}

export async function readObjectBody(r: ResourceRequest): Promise<{ value: unknown; duplicates: string[] }> {
  const format = bodyFormat(r.req.headers["content-type"], ["json", "yaml", "protobuf"]);
  return parseBody(await readBody(r.req), format);
}
