// The HTTPS front: authentication, routing to discovery, health, OpenAPI,
// metrics and the resource handlers, and a Status for every error.
import { type IncomingMessage, type ServerResponse } from "node:http";
import { type Server, createServer } from "node:https";
import { ApiError, forbidden, internal, pathNotFound, unauthorized } from "./errors.ts";
import { type Authenticator, authorize } from "./auth/auth.ts";
import { apiGroup, apiGroupList, apiResourceList, apiVersions } from "./discovery.ts";
import { sendError, sendJson, sendText } from "./http/respond.ts";
import type { ApiMetrics } from "./metrics.ts";
import { findResource, servesGroupVersion } from "./registry/index.ts";
import { type ResourceRequest, verbOf } from "./rest/context.ts";
import { type HandlerDeps, handleResource } from "./rest/handlers.ts";
import { handleResourceMetrics } from "./rest/resource-metrics.ts";
import type { Storage } from "./storage/storage.ts";

export const serverVersion = {
  major: "1",
  minor: "32",
  gitVersion: "v1.32.0-skiff",
  gitCommit: "",
  gitTreeState: "clean",
  buildDate: "2026-11-23T00:00:00Z",
  goVersion: `node${process.versions.node}`,
  compiler: "esbuild",
  platform: `${process.platform}/${process.arch === "x64" ? "amd64" : process.arch}`,
};

export interface ServerOptions {
  cert: string;
  key: string;
  clientCa: string | undefined;
  authenticator: Authenticator;
  storage: Storage;
  deps: HandlerDeps;
  metrics: ApiMetrics;
  /** host:port clients should use (discovery's serverAddressByClientCIDRs). */
  advertised: string;
  log(entry: Record<string, unknown>): void;
}

const publicPaths = new Set(["/healthz", "/livez", "/readyz", "/version"]);

async function ready(storage: Storage): Promise<boolean> {
  try {
    await storage.currentRevision();
    return true;
  } catch {
    return false;
  }
}

async function route(o: ServerOptions, req: IncomingMessage, res: ServerResponse): Promise<{ verb: string; resource: string }> {
  const url = new URL(req.url ?? "/", "https://apiserver");
  const path = url.pathname.replace(/\/+$/, "") || "/";
  const method = req.method ?? "GET";
  if (publicPaths.has(path) || path.startsWith("/healthz/") || path.startsWith("/livez/") || path.startsWith("/readyz/")) {
    if (path === "/version") sendJson(res, 200, serverVersion);
    else if (path.startsWith("/readyz") && !(await ready(o.storage))) sendText(res, 500, "[-]etcd failed: reason withheld\nreadyz check failed\n");
    else sendText(res, 200, "ok");
    return { verb: "get", resource: "" };
  }
  const user = o.authenticator.authenticate(req);
  if (user === undefined) throw unauthorized();
  const segs = path.split("/").filter((s) => s !== "").map(decodeURIComponent);
  const nonResource = (): never => {
    if (method !== "GET") throw new ApiError(405, "MethodNotAllowed", `the server does not allow this method on the requested resource`);
    throw pathNotFound(path);
  };
  if (path === "/openapi/v2") {
    res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": 0 });
    res.end();
    return { verb: "get", resource: "" };
  }
  if (path === "/metrics") {
    sendText(res, 200, await o.metrics.render(), o.metrics.registry.contentType);
    return { verb: "get", resource: "" };
  }
  let group: string;
  let version: string;
  let rest: string[];
  if (segs[0] === "api") {
    if (segs.length === 1) {
      if (method !== "GET") nonResource();
      sendJson(res, 200, apiVersions(o.advertised));
      return { verb: "get", resource: "" };
    }
    group = "";
    version = segs[1]!;
    rest = segs.slice(2);
  } else if (segs[0] === "apis") {
    if (segs.length === 1) {
      if (method !== "GET") nonResource();
      sendJson(res, 200, apiGroupList());
      return { verb: "get", resource: "" };
    }
    if (segs.length === 2) {
      const g = apiGroup(segs[1]!);
      if (g === undefined || method !== "GET") nonResource();
      sendJson(res, 200, g);
      return { verb: "get", resource: "" };
    }
    group = segs[1]!;
    version = segs[2]!;
    rest = segs.slice(3);
  } else {
    return nonResource();
  }
  const gv = { group, version };
  if (!servesGroupVersion(gv)) nonResource();
  if (rest.length === 0) {
    if (method !== "GET") nonResource();
    sendJson(res, 200, apiResourceList(gv));
    return { verb: "get", resource: "" };
  }
  let namespace: string | undefined;
  if (rest[0] === "namespaces" && rest.length >= 3 && findResource(gv, rest[2]!)?.namespaced === true) {
    namespace = rest[1]!;
    rest = rest.slice(2);
  }
  const type = findResource(gv, rest[0]!);
  if (type === undefined || rest.length > 3) throw pathNotFound(path);
  const name = rest[1];
  const subresource = rest[2];
  const verb = verbOf(method, name, url.searchParams);
  if (!authorize(user, verb)) {
    throw forbidden(user.name, verb, subresource === undefined ? type.resource : `${type.resource}/${subresource}`, type.group, type.namespaced ? namespace : undefined, name);
  }
  const r: ResourceRequest = { type, version, namespace, name, subresource, query: url.searchParams, req, res, user };
  if (type.group === "metrics.k8s.io") await handleResourceMetrics(o.deps, r, verb);
  else await handleResource(o.deps, r, verb);
  return { verb, resource: type.resource };
}

export function createApiServer(o: ServerOptions): Server {
  const server = createServer(
    {
      cert: o.cert,
      key: o.key,
      ...(o.clientCa === undefined ? {} : { ca: o.clientCa }),
      requestCert: o.clientCa !== undefined,
      rejectUnauthorized: false,
    },
    (req, res) => {
      const started = process.hrtime.bigint();
      let verb = (req.method ?? "GET").toLowerCase();
      let resource = "";
      const done = (): void => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        o.metrics.observe(verb, resource, res.statusCode, seconds);
        if (res.statusCode >= 500) o.log({ level: "error", msg: "request failed", method: req.method, url: req.url, code: res.statusCode });
      };
      res.once("finish", done);
      route(o, req, res).then(
        (r) => {
          verb = r.verb;
          resource = r.resource;
        },
        (err: unknown) => {
          if (err instanceof ApiError) sendError(res, err);
          else {
            o.log({ level: "error", msg: "unexpected error", url: req.url, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
            sendError(res, internal(err instanceof Error ? err.message : String(err)));
          }
        },
      );
    },
  );
  server.on("clientError", (_err, socket) => socket.destroy());
  return server;
}
