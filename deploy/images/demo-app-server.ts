// The demo workload: answers `GET /` with the host name (the pod name under
// Kubernetes, the container's hostname here) and how many times `/` has been
// asked, so a test or a user can see which replica served a request.
import { createServer, type Server } from "node:http";

export type LogFields = Record<string, unknown>;
export type Log = (msg: string, fields?: LogFields) => void;

// One JSON object per line on stdout, as every skiff component logs.
export function jsonLog(component: string): Log {
  return (msg, fields = {}) => {
    process.stdout.write(JSON.stringify({ ts: new Date().toISOString(), component, msg, ...fields }) + "\n");
  };
}

export interface DemoAppOptions {
  hostname: string;
  log: Log;
}

export function createDemoApp({ hostname, log }: DemoAppOptions): Server {
  // Only `GET /` counts: health probes must not move the number a user watches.
  let requests = 0;
  return createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (req.method === "GET" && path === "/healthz") {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
      return;
    }
    if (req.method === "GET" && path === "/") {
      requests += 1;
      log("request", { path, remote: req.socket.remoteAddress, requests });
      res.writeHead(200, { "content-type": "text/plain" }).end(`hostname=${hostname} requests=${requests}\n`);
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
  });
}
