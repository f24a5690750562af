// A small JSON client for the writes the control-plane components make
// (subresources, patches, Leases, Events), on the credentials of a
// kubeconfig. Reads and watches go through @kubernetes/client-node
// informers; these writes are plain JSON so that wire formats (MicroTime,
// patch content types) stay exactly what kube's own clients send.
import { Agent, request } from "node:https";
import type { KubeConfig } from "@kubernetes/client-node";

export type PatchType = "merge" | "strategic";

/** A refused request, with the Kubernetes Status reason when the server sent one. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export function isConflict(err: unknown): boolean {
  return err instanceof ApiError && err.code === 409;
}

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && err.code === 404;
}

const contentTypes: Record<PatchType, string> = {
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
};

export class ApiClient {
  /** TLS settings and headers from the kubeconfig, read once; connections kept alive in one agent. */
  private connection: Promise<{ agent: Agent; headers: Record<string, string> }> | undefined;

  constructor(
    private readonly kc: KubeConfig,
    private readonly timeoutMs = 30_000,
    private readonly maxSockets = 16,
  ) {}

  /**
   * client-node's applyToHTTPSOptions puts a new Agent on every request it
   * prepares, so each request would pay a full TLS handshake (and a new
   * secure context: most of the scheduler's CPU when it did). Its TLS
   * options go on one keep-alive agent instead.
   */
  private connect(): Promise<{ agent: Agent; headers: Record<string, string> }> {
    this.connection ??= (async () => {
      const opts: { headers: Record<string, string>; agent?: unknown; ca?: unknown; cert?: unknown; key?: unknown; rejectUnauthorized?: boolean; servername?: string } = { headers: {} };
      await this.kc.applyToHTTPSOptions(opts as Parameters<KubeConfig["applyToHTTPSOptions"]>[0]);
      const agent = new Agent({
        keepAlive: true,
        maxSockets: this.maxSockets,
        ca: opts.ca as string | undefined,
        cert: opts.cert as string | undefined,
        key: opts.key as string | undefined,
        ...(opts.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: opts.rejectUnauthorized }),
        ...(opts.servername === undefined ? {} : { servername: opts.servername }),
      });
      return { agent, headers: opts.headers };
    })();
    return this.connection;
  }

  get<T>(path: string): Promise<T> {
    return this.send<T>("GET", path);
  }

  create<T>(path: string, body: unknown): Promise<T> {
    return this.send<T>("POST", path, JSON.stringify(body), "application/json");
  }

  replace<T>(path: string, body: unknown): Promise<T> {
    return this.send<T>("PUT", path, JSON.stringify(body), "application/json");
  }

  patch<T>(path: string, body: unknown, type: PatchType = "strategic"): Promise<T> {
    return this.send<T>("PATCH", path, JSON.stringify(body), contentTypes[type]);
  }

  /** With options, a DeleteOptions body (propagationPolicy, preconditions). */
  delete<T>(path: string, options?: unknown): Promise<T> {
    return options === undefined ? this.send<T>("DELETE", path) : this.send<T>("DELETE", path, JSON.stringify(options), "application/json");
  }

  close(): void {
    void this.connection?.then((c) => c.agent.destroy()).catch(() => undefined);
  }

  private async send<T>(method: string, path: string, body?: string, contentType?: string): Promise<T> {
    const server = this.kc.getCurrentCluster()?.server;
    if (server === undefined) throw new Error("the kubeconfig names no current cluster");
    const url = new URL(path, server);
    const { agent, headers } = await this.connect();
    const opts: { method: string; headers: Record<string, string>; agent: Agent; timeout: number } = {
      method,
      headers: { ...headers, Accept: "application/json" },
      agent,
      timeout: this.timeoutMs,
    };
    if (body !== undefined) {
      opts.headers["Content-Type"] = contentType ?? "application/json";
      opts.headers["Content-Length"] = String(Buffer.byteLength(body));
    }
    return new Promise<T>((resolve, reject) => {
      const req = request(url, opts, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          const status = res.statusCode ?? 0;
          let parsed: unknown;
          try {
            parsed = text === "" ? {} : JSON.parse(text);
          } catch {
            parsed = { message: text };
          }
          if (status >= 200 && status < 300) {
            resolve(parsed as T);
            return;
          }
          const s = parsed as { reason?: string; message?: string };
          reject(new ApiError(status, s.reason ?? "", `${method} ${path}: ${status} ${s.message ?? text}`));
        });
      });
      req.on("timeout", () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on("error", reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }
}

/** Kubernetes' MicroTime: RFC 3339 with exactly six fractional digits. */
export function microTime(d: Date): string {
  return `${d.toISOString().slice(0, -1)}000Z`;
}
