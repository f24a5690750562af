// The agent's HTTPS endpoint on port 10250, as kubelet's: GET
// /containerLogs/<namespace>/<pod>/<container> with kubectl's options
// (follow, tailLines, previous, timestamps, limitBytes, sinceSeconds),
// streamed from Docker (kubelet/logs.ts). Only clients with a certificate
// of the cluster's CA are served (the API server's kubelet client
// certificate); refusals are plain text that the API server turns into a
// Status. GET /metrics answers kubelet's metrics in Prometheus text to the
// same clients (kubelet's /metrics also wants an authenticated client).
import { createServer, type Server } from "node:https";
import type { V1Pod } from "@kubernetes/client-node";
import { containerLogs, LogError, type LogOptions } from "../kubelet/logs.ts";
import type { DockerPodRuntime } from "../kubelet/runtime/pod-runtime.ts";
import { type AgentLog, errorText } from "./log.ts";

export interface LogServerOptions {
  cert: string;
  key: string;
  clientCa: string;
  runtime: DockerPodRuntime;
  pod: (namespace: string, name: string) => V1Pod | undefined;
  log: AgentLog;
  /** GET /stats/summary (kubelet's Summary API, what metrics-server reads). */
  statsSummary?: () => Promise<unknown>;
  /** The kubelet's Prometheus registry (or anything with its two members). */
  metrics?: { readonly contentType: string; metrics(): Promise<string> };
}

export function logOptions(query: URLSearchParams, container: string): LogOptions {
  const num = (name: string): number | undefined => {
    const v = query.get(name);
    return v === null || v === "" || !Number.isFinite(Number(v)) ? undefined : Number(v);
  };
  const flag = (name: string): boolean => query.get(name) === "true" || query.get(name) === "1";
  const tailLines = num("tailLines");
  const limitBytes = num("limitBytes");
  const sinceSeconds = num("sinceSeconds");
  return {
    container,
    follow: flag("follow"),
    previous: flag("previous"),
    timestamps: flag("timestamps"),
    ...(tailLines !== undefined ? { tailLines } : {}),
    ...(limitBytes !== undefined ? { limitBytes } : {}),
    ...(sinceSeconds !== undefined ? { sinceSeconds } : {}),
  };
}

export function createLogServer(o: LogServerOptions): Server {
  return createServer({ cert: o.cert, key: o.key, ca: o.clientCa, requestCert: true, rejectUnauthorized: true }, (req, res) => {
    const url = new URL(req.url ?? "/", "https://node");
    const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    const text = (status: number, body: string): void => {
      res.writeHead(status, { "Content-Type": "text/plain" }).end(`${body}\n`);
    };
    if (req.method === "GET" && url.pathname === "/stats/summary" && o.statsSummary !== undefined) {
      o.statsSummary().then(
        (summary) => res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(summary)),
        (err: unknown) => text(500, errorText(err)),
      );
      return;
    }
    if (req.method === "GET" && url.pathname === "/metrics" && o.metrics !== undefined) {
      const registry = o.metrics;
      registry.metrics().then(
        (body) => res.writeHead(200, { "Content-Type": registry.contentType }).end(body),
        (err: unknown) => text(500, errorText(err)),
      );
      return;
    }
    if (req.method !== "GET" || m === null) return text(404, "not found");
    const [namespace, name, container] = [m[1]!, m[2]!, m[3]!].map(decodeURIComponent) as [string, string, string];
    const pod = o.pod(namespace, name);
    if (pod === undefined) return text(404, `pod "${name}" in namespace "${namespace}" is not on this node`);
    containerLogs(o.runtime, pod, logOptions(url.searchParams, container)).then(
      (stream) => {
        res.writeHead(200, { "Content-Type": "text/plain" });
        res.flushHeaders();
        stream.pipe(res);
        res.on("close", () => stream.destroy());
      },
      (err: unknown) => {
        if (err instanceof LogError) return text(400, err.message);
        o.log.warn("serving logs failed", { pod: `${namespace}/${name}`, container, error: errorText(err) });
        text(500, errorText(err));
      },
    );
  });
}
