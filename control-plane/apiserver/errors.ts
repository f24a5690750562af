// Typed API errors, each answered as a Kubernetes Status object that kubectl
// turns into a readable message ("Error from server (NotFound): ...").

export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Failure" | "Success";
  message: string;
  reason: string;
  details?: StatusDetails;
  code: number;
}

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
  }

  toStatus(): Status {
    const s: Status = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: this.message, reason: this.reason, code: this.code };
    if (this.details !== undefined) s.details = this.details;
    return s;
  }
}

/** "pods" in group "apps" is written "pods.apps" in messages, as Kubernetes does. */
export function qualified(resource: string, group: string): string {
  return group === "" ? resource : `${resource}.${group}`;
}

export const badRequest = (message: string, causes?: StatusCause[]): ApiError =>
  new ApiError(400, "BadRequest", message, causes === undefined ? undefined : { causes });
export const unauthorized = (): ApiError => new ApiError(401, "Unauthorized", "Unauthorized");
export const forbidden = (user: string, verb: string, resource: string, group: string, namespace: string | undefined, name?: string): ApiError =>
  new ApiError(
    403,
    "Forbidden",
    `${qualified(resource, group)}${name === undefined ? "" : ` "${name}"`} is forbidden: User "${user}" cannot ${verb} resource "${resource}" in API group "${group}"${namespace === undefined ? " at the cluster scope" : ` in the namespace "${namespace}"`}`,
    { name, group, kind: resource },
  );
export const notFound = (resource: string, group: string, name: string): ApiError =>
  new ApiError(404, "NotFound", `${qualified(resource, group)} "${name}" not found`, { name, group, kind: resource });
export const pathNotFound = (path: string): ApiError => new ApiError(404, "NotFound", `the server could not find the requested resource (${path})`);
export const alreadyExists = (resource: string, group: string, name: string): ApiError =>
  new ApiError(409, "AlreadyExists", `${qualified(resource, group)} "${name}" already exists`, { name, group, kind: resource });
export const conflict = (resource: string, group: string, name: string, why: string): ApiError =>
  new ApiError(409, "Conflict", `Operation cannot be fulfilled on ${qualified(resource, group)} "${name}": ${why}`, { name, group, kind: resource });
export const gone = (message: string): ApiError => new ApiError(410, "Expired", message);
export const methodNotAllowed = (method: string): ApiError => new ApiError(405, "MethodNotAllowed", `the server does not allow this method on the requested resource (${method})`);
export const notAcceptable = (message: string): ApiError => new ApiError(406, "NotAcceptable", message);
export const tooLarge = (limit: number): ApiError => new ApiError(413, "RequestEntityTooLarge", `Request entity too large: limit is ${limit}`);
export const unsupportedMediaType = (type: string): ApiError => new ApiError(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (got "${type}")`);
export const invalid = (kind: string, group: string, name: string, causes: StatusCause[]): ApiError =>
  new ApiError(
    422,
    "Invalid",
    `${kind}${group === "" ? "" : `.${group}`} "${name}" is invalid: ${causes.map((c) => `${c.field ?? ""}: ${c.message}`).join(", ")}`,
    { name, group, kind, causes },
  );
export const internal = (message: string): ApiError => new ApiError(500, "InternalError", `Internal error occurred: ${message}`);
export const unavailable = (message: string): ApiError => new ApiError(503, "ServiceUnavailable", message, { retryAfterSeconds: 1 });
