// A client-side TCP load balancer for the API servers, as k3s's agents run
// one: the node's components talk to 127.0.0.1, and each connection goes to
// the first API server that accepts it, starting with the one that worked
// last. A control-plane member that dies or is cut off costs the node one
// failed connection attempt, not its place in the cluster. TLS passes through
// untouched (the API server's certificate names 127.0.0.1).
import { createServer, type Server, type Socket, connect } from "node:net";

export interface Backend {
  host: string;
  port: number;
}

export interface BalancerOptions {
  /** How long to wait for a backend to accept before trying the next. */
  connectTimeoutMs?: number;
  onSwitch?: (to: Backend) => void;
}

function dial(b: Backend, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: b.host, port: b.port });
    const timer = setTimeout(() => socket.destroy(new Error(`connect to ${b.host}:${b.port} timed out`)), timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.removeListener("error", reject);
      resolve(socket);
    });
    socket.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

export class ApiBalancer {
  private readonly server: Server;
  private preferred = 0;
  private readonly open = new Set<Socket>();

  constructor(
    private readonly backends: Backend[],
    private readonly opts: BalancerOptions = {},
  ) {
    if (backends.length === 0) throw new Error("the balancer needs at least one API server");
    this.server = createServer((client) => void this.relay(client));
  }

  /** Listens on host:port (port 0 picks one) and resolves to the port. */
  listen(port: number, host = "127.0.0.1"): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        const addr = this.server.address();
        resolve(typeof addr === "object" && addr !== null ? addr.port : port);
      });
    });
  }

  /** The backend new connections try first. */
  current(): Backend {
    return this.backends[this.preferred] as Backend;
  }

  close(): Promise<void> {
    for (const s of this.open) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private track(s: Socket): void {
    this.open.add(s);
    s.once("close", () => this.open.delete(s));
  }

  private async relay(client: Socket): Promise<void> {
    this.track(client);
    client.on("error", () => client.destroy());
    const timeoutMs = this.opts.connectTimeoutMs ?? 1_000;
    for (let i = 0; i < this.backends.length; i++) {
      const index = (this.preferred + i) % this.backends.length;
      const backend = this.backends[index] as Backend;
      let upstream: Socket;
      try {
        upstream = await dial(backend, timeoutMs);
      } catch {
        continue;
      }
      if (client.destroyed) {
        upstream.destroy();
        return;
      }
      if (index !== this.preferred) {
        this.preferred = index;
        this.opts.onSwitch?.(backend);
      }
      this.track(upstream);
      upstream.setKeepAlive(true, 5_000);
      upstream.on("error", () => client.destroy());
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
      return;
    }
    client.destroy();
  }
}
