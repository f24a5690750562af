// Validation shared by every kind: names, labels, and the causes kubectl
// prints under a 422 Invalid answer.
import type { StatusCause } from "../errors.ts";
import type { KubeObject } from "./types.ts";

const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const qualifiedName = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

export const required = (field: string): StatusCause => ({ reason: "FieldValueRequired", message: "Required value", field });
export const invalidValue = (field: string, value: unknown, why: string): StatusCause => ({
  reason: "FieldValueInvalid",
  message: `Invalid value: ${JSON.stringify(value)}: ${why}`,
  field,
});
export const duplicate = (field: string, value: unknown): StatusCause => ({ reason: "FieldValueDuplicate", message: `Duplicate value: ${JSON.stringify(value)}`, field });
export const notSupported = (field: string, value: unknown, allowed: string[]): StatusCause => ({
  reason: "FieldValueNotSupported",
  message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${allowed.map((a) => `"${a}"`).join(", ")}`,
  field,
});

export function checkDns1123Label(field: string, value: string): StatusCause[] {
  if (value.length > 63 || !dns1123Label.test(value)) {
    return [invalidValue(field, value, "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")];
  }
  return [];
}

export function checkDns1123Subdomain(field: string, value: string): StatusCause[] {
  if (value.length > 253 || !dns1123Subdomain.test(value)) {
    return [invalidValue(field, value, "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")];
  }
  return [];
}

function checkQualifiedName(field: string, key: string): StatusCause[] {
  const slash = key.lastIndexOf("/");
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const causes: StatusCause[] = [];
  if (prefix !== undefined) causes.push(...checkDns1123Subdomain(field, prefix));
  if (name.length === 0 || name.length > 63 || !qualifiedName.test(name)) {
    causes.push(invalidValue(field, key, "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"));
  }
  return causes;
}

export function checkLabels(field: string, labels: Record<string, string> | undefined): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    causes.push(...checkQualifiedName(field, k));
    if (typeof v !== "string" || v.length > 63 || !labelValue.test(v)) {
      causes.push(invalidValue(`${field}`, v, "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"));
    }
  }
  return causes;
}

/** Names are DNS-1123 subdomains by default, labels for kinds whose names become host names. */
export function checkMetadata(obj: KubeObject, nameRule: "subdomain" | "label" = "subdomain"): StatusCause[] {
  const causes: StatusCause[] = [];
  const name = obj.metadata.name;
  if (name === undefined || name === "") causes.push(required("metadata.name"));
  else causes.push(...(nameRule === "label" ? checkDns1123Label("metadata.name", name) : checkDns1123Subdomain("metadata.name", name)));
  causes.push(...checkLabels("metadata.labels", obj.metadata.labels));
  for (const k of Object.keys(obj.metadata.annotations ?? {})) causes.push(...checkQualifiedName("metadata.annotations", k));
  return causes;
}

export function checkPort(field: string, port: unknown): StatusCause[] {
  if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) return [invalidValue(field, port, "must be between 1 and 65535, inclusive")];
  return [];
}
