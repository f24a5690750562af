// The ingress controller: an HTTP proxy that watches Ingresses,
// IngressClasses, Services and Endpoints (any API client's credentials: a
// kubeconfig mounted from a Secret when it runs as a pod) and sends each
// request to a ready endpoint of the backend its Host header and path
// select (routes.ts), round-robin per backend. No backend: 404; a backend
// without ready endpoints: 503, as ingress-nginx answers.
import { createServer, request, type Server } from "node:http";
import type { KubeConfig, V1Endpoints, V1Ingress, V1IngressClass, V1Service } from "@kubernetes/client-node";
import type { ApiClient } from "../../proto/kube/api-client.ts";
import { Informer } from "../../proto/kube/informer.ts";
import { isOurs, RouteTable } from "./routes.ts";

export interface IngressControllerOptions {
  /** spec.controller of the IngressClasses this controller serves. */
  controller: string;
  host: string;
  port: number;
  log: (msg: string, fields?: Record<string, unknown>) => void;
}

export class IngressController {
  private table = new RouteTable([], [], []);
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly turns = new Map<string, number>();
  private server: Server | undefined;
  private readonly ingresses: Informer<V1Ingress>;
  private readonly classes: Informer<V1IngressClass>;
  private readonly services: Informer<V1Service>;
  private readonly endpoints: Informer<V1Endpoints>;

  constructor(
    kc: KubeConfig,
    client: ApiClient,
    private readonly options: IngressControllerOptions,
  ) {
    const onError = (path: string, err: unknown): void => options.log("watch broken, restarting", { path, error: String(err) });
    this.ingresses = new Informer<V1Ingress>(kc, client, "/apis/networking.k8s.io/v1/ingresses", { onError });
    this.classes = new Informer<V1IngressClass>(kc, client, "/apis/networking.k8s.io/v1/ingressclasses", { onError });
    this.services = new Informer<V1Service>(kc, client, "/api/v1/services", { onError });
    this.endpoints = new Informer<V1Endpoints>(kc, client, "/api/v1/endpoints", { onError });
  }

  /** Resolves once the caches are filled and the proxy listens; returns its port. */
  async start(): Promise<number> {
    for (const i of [this.ingresses, this.classes, this.services, this.endpoints]) i.subscribe(() => this.scheduleRebuild());
    await Promise.all([this.ingresses, this.classes, this.services, this.endpoints].map((i) => i.startAndSync()));
    this.rebuild();
    const server = createServer((req, res) => {
      const path = new URL(req.url ?? "/", "http://ingress").pathname;
      const found = this.table.resolve(req.headers.host ?? "", path);
      if (found.kind === "none") {
        res.writeHead(404, { "content-type": "text/plain" }).end("default backend - 404\n");
        return;
      }
      if (found.targets.length === 0) {
        res.writeHead(503, { "content-type": "text/plain" }).end(`no ready endpoints for ${found.service}\n`);
        return;
      }
      const turn = this.turns.get(found.service) ?? 0;
      this.turns.set(found.service, turn + 1);
      const target = found.targets[turn % found.targets.length]!;
      const upstream = request(
        { host: target.ip, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, "x-forwarded-for": req.socket.remoteAddress ?? "" }, timeout: 30_000 },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on("error", (err) => {
        if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
        res.end(`bad gateway: ${err.message}\n`);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.options.port, this.options.host, () => resolve());
    });
    this.server = server;
    const address = server.address();
    return typeof address === "object" && address !== null ? address.port : this.options.port;
  }

  private scheduleRebuild(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.rebuild();
    }, 20);
  }

  private rebuild(): void {
    const classes = this.classes.list();
    const ours = this.ingresses.list().filter((i) => isOurs(i, classes, this.options.controller));
    this.table = new RouteTable(ours, this.services.list(), this.endpoints.list());
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    await Promise.all([this.ingresses, this.classes, this.services, this.endpoints].map((i) => i.stop()));
    const server = this.server;
    if (server !== undefined) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }
}
