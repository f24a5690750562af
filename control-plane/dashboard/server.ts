// The dashboard's HTTPS server: the page (static HTML, JS and CSS compiled
// into the bundle), a WebSocket that sends a snapshot and then diffs of the
// cluster as the watches see them, the kill/start actions, and the login.
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { KubeConfig } from "@kubernetes/client-node";
import { WebSocket, WebSocketServer } from "ws";
import type { Logger } from "../logger.ts";
import { presentedToken, sameToken, sessionCookie } from "./auth.ts";
import { type MachineControl, MachineNotFound } from "./machines.ts";
import { pollMembers, type StoreEndpoint } from "./members.ts";
import { loginPage, pageHtml } from "./page-html.ts";
import { pageScript } from "./page-script.ts";
import { pageStyle } from "./page-style.ts";
import { DashboardState, type Diff } from "./state.ts";
import type { MachineView } from "./views.ts";
import { startWatches } from "./watches.ts";

export interface DashboardOptions {
  host: string;
  port: number;
  cert: string | Buffer;
  key: string | Buffer;
  token: string;
  kubeconfig: KubeConfig;
  stores: StoreEndpoint[];
  machines: MachineControl | undefined;
  log: Logger;
  memberIntervalMs?: number;
  machineIntervalMs?: number;
}

const staticFiles: Record<string, { type: string; body: string }> = {
  "/": { type: "text/html; charset=utf-8", body: pageHtml },
  "/app.js": { type: "text/javascript; charset=utf-8", body: pageScript },
};

export class DashboardServer {
  readonly state = new DashboardState();
  private readonly server: Server;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly stops: (() => void | Promise<void>)[] = [];
  private pending: Diff[] = [];
  private flushScheduled = false;

  constructor(private readonly opts: DashboardOptions) {
    this.server = createServer({ cert: opts.cert, key: opts.key }, (req, res) => void this.handle(req, res));
    this.server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
    this.wss.on("connection", (ws: WebSocket) => {
      ws.send(JSON.stringify({ type: "snapshot", state: this.state.snapshot(), machinesEnabled: this.opts.machines !== undefined }));
    });
  }

  /** Starts the watches, pollers and the server; resolves with the port it listens on. */
  async start(): Promise<number> {
    const { state } = this;
    this.stops.push(
      startWatches(
        this.opts.kubeconfig,
        { put: (c, k, v) => state.put(c, k, v as never), delete: (c, k) => state.delete(c, k), publish: (d) => this.publish(d) },
        this.opts.log,
      ),
    );
    this.stops.push(
      pollMembers(this.opts.stores, (views) => this.publish(state.replace("members", new Map(views.map((v) => [v.name, v])))), this.opts.memberIntervalMs ?? 1000),
    );
    if (this.opts.machines !== undefined) this.stops.push(this.pollMachines(this.opts.machines, this.opts.machineIntervalMs ?? 2000));
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.opts.port, this.opts.host, () => resolve());
    });
    const addr = this.server.address();
    return typeof addr === "object" && addr !== null ? addr.port : this.opts.port;
  }

  async stop(): Promise<void> {
    for (const stop of this.stops) await stop();
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private publish(diffs: Diff[]): void {
    if (diffs.length === 0) return;
    this.pending.push(...diffs);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // One message per turn of the event loop: a re-list's hundreds of puts go out together.
    setImmediate(() => {
      this.flushScheduled = false;
      const message = JSON.stringify({ type: "diff", diffs: this.pending });
      this.pending = [];
      for (const ws of this.wss.clients) if (ws.readyState === WebSocket.OPEN) ws.send(message);
    });
  }

  private pollMachines(machines: MachineControl, intervalMs: number): () => void {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const round = async (): Promise<void> => {
      await this.refreshMachines(machines);
      if (!stopped) timer = setTimeout(() => void round(), intervalMs);
    };
    void round();
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    };
  }

  private async refreshMachines(machines: MachineControl): Promise<void> {
    let list: MachineView[];
    try {
      list = await machines.list();
    } catch (err) {
      this.opts.log.warn("cannot list the cluster's containers", { error: String(err) });
      return;
    }
    this.publish(this.state.replace("machines", new Map(list.map((m) => [m.name, m]))));
  }

  private authorized(req: IncomingMessage, url: URL): boolean {
    const token = presentedToken(req, url);
    return token !== undefined && sameToken(token, this.opts.token);
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? "/", "https://dashboard");
    if (url.pathname !== "/ws" || !this.authorized(req, url)) {
      socket.end("HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit("connection", ws, req));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "https://dashboard");
    const send = (status: number, type: string, body: string, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { "Content-Type": type, "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", ...headers });
      res.end(body);
    };
    if (url.pathname === "/healthz") return send(200, "text/plain", "ok");
    // The login page needs its style sheet before anyone is logged in; it holds nothing secret.
    if (url.pathname === "/app.css" && req.method === "GET") return send(200, "text/css; charset=utf-8", pageStyle);
    if (url.pathname === "/login" && req.method === "POST") {
      const form = new URLSearchParams(await readBody(req));
      const token = form.get("token") ?? "";
      if (!sameToken(token, this.opts.token)) return send(401, "text/html; charset=utf-8", loginPage("That token is not the cluster's admin token."));
      return send(303, "text/plain", "", { Location: "/", "Set-Cookie": sessionCookie(token) });
    }
    if (!this.authorized(req, url)) return send(401, "text/html; charset=utf-8", loginPage(""), { "WWW-Authenticate": 'Bearer realm="skiff"' });
    // A token in the address becomes the cookie, and leaves the address bar.
    const fromQuery = url.searchParams.get("token");
    if (fromQuery !== null && req.method === "GET") return send(303, "text/plain", "", { Location: url.pathname, "Set-Cookie": sessionCookie(fromQuery) });
    const file = req.method === "GET" ? staticFiles[url.pathname] : undefined;
    if (file !== undefined) return send(200, file.type, file.body);
    if (url.pathname === "/api/state" && req.method === "GET") return send(200, "application/json", JSON.stringify(this.state.snapshot()));
    const action = /^\/api\/machines\/([^/]+)\/(kill|start)$/.exec(url.pathname);
    if (action !== null && req.method === "POST") return this.machineAction(req, decodeURIComponent(action[1] ?? ""), action[2] as "kill" | "start", send);
    return send(404, "text/plain", "not found");
  }

  private async machineAction(req: IncomingMessage, name: string, action: "kill" | "start", send: (status: number, type: string, body: string) => void): Promise<void> {
    // A cross-site form cannot send JSON without a preflight that this server never answers.
    if (req.headers["content-type"]?.startsWith("application/json") !== true) return send(415, "text/plain", "send Content-Type: application/json");
    const machines = this.opts.machines;
    if (machines === undefined) return send(409, "text/plain", "this dashboard has no Docker access (see --docker-label)");
    try {
      await machines.act(action, name);
    } catch (err) {
      if (err instanceof MachineNotFound) return send(404, "text/plain", err.message);
      const message = err instanceof Error ? err.message : String(err);
      this.opts.log.warn("machine action failed", { machine: name, action, error: message });
      return send(409, "text/plain", message);
    }
    this.opts.log.info("machine action", { machine: name, action });
    this.publish(this.state.mark(action === "kill" ? "Killed" : "Started", name));
    await this.refreshMachines(machines);
    return send(200, "application/json", JSON.stringify({ machine: name, action }));
  }
}

function readBody(req: IncomingMessage, limit = 64 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString("utf8");
      if (body.length > limit) req.destroy(new Error("body too large"));
    });
    req.on("end", () => resolve(body));
    req.on("error", reject);
  });
}
