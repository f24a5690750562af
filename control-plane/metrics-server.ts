// A plain HTTP listener for a component's Prometheus registry: GET /metrics
// (text format) and /healthz. The store's --listen-metrics-urls (as etcd's),
// the scheduler's and the controller manager's --metrics-bind-address.
import { createServer, type Server } from "node:http";

/** What a scrape reads: a prom-client Registry, or something that stands for one (a registry that exists only while leading). */
export interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string>;
}

export interface MetricsServer {
  /** The port it listens on (the one asked for, or the one given for port 0). */
  readonly port: number;
  close(): Promise<void>;
}

export async function serveMetrics(registry: MetricsSource, host: string, port: number): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://metrics").pathname;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { "Content-Type": "text/plain" }).end("method not allowed\n");
      return;
    }
    if (path === "/healthz" || path === "/health") {
      res.writeHead(200, { "Content-Type": "text/plain" }).end("ok");
      return;
    }
    if (path !== "/metrics") {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("not found\n");
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { "Content-Type": registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500, { "Content-Type": "text/plain" }).end(`${err instanceof Error ? err.message : String(err)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address !== null ? address.port : port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** host:port (or :port, meaning every interface) of a --metrics-bind-address style flag. */
export function parseBindAddress(flag: string, value: string): { host: string; port: number } {
  const i = value.lastIndexOf(":");
  const host = i <= 0 ? "0.0.0.0" : value.slice(0, i).replace(/^\[(.*)\]$/, "$1");
  const digits = i < 0 ? value : value.slice(i + 1);
  const port = Number(digits);
  if (!/^\d+$/.test(digits) || port > 65535) throw new Error(`--${flag}: "${value}" is not host:port`);
  return { host, port };
}
