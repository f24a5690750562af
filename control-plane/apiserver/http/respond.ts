// Writing answers: JSON objects, Status errors, and what the Accept header asks.
import type { ServerResponse } from "node:http";
import type { ApiError } from "../errors.ts";

export function sendJson(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { "Content-Type": "application/json", "Cache-Control": "no-cache, private", ...headers, "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: ServerResponse, err: ApiError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers: Record<string, string> = {};
  if (err.details?.retryAfterSeconds !== undefined) headers["Retry-After"] = String(err.details.retryAfterSeconds);
  sendJson(res, err.code, err.toStatus(), headers);
}

export function sendText(res: ServerResponse, code: number, text: string, type = "text/plain; charset=utf-8"): void {
  res.writeHead(code, { "Content-Type": type, "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

/** What `Accept` asks for: a meta.k8s.io Table, or the plain object. */
export function wantsTable(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  for (const part of accept.split(",")) {
    const params = part.split(";").map((p) => p.trim());
    const media = params[0];
    if (media !== "application/json" && media !== "*/*") continue;
    const as = params.find((p) => p.startsWith("as="))?.slice(3);
    if (as === undefined) return false;
    if (as === "Table" && params.some((p) => p === "g=meta.k8s.io") && params.some((p) => p === "v=v1" || p === "v=v1beta1")) return true;
  }
  return false;
}

export function successStatus(message: string, details?: Record<string, unknown>): Record<string, unknown> {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", ...(message === "" ? {} : { message }), ...(details === undefined ? {} : { details }) };
}
