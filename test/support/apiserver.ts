// Starts `skiff apiserver` as a real process over a store cluster (skiff's
// or etcd 3.4), with credentials from `skiff certs`, and drives kubectl
// binaries against it. Everything it starts it stops; its temp dir is removed.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./ports.ts";
import { profileArgs } from "./profile.ts";
import { StoreCluster, type StoreKind } from "./store-cluster.ts";

const repo = fileURLToPath(new URL("../..", import.meta.url));

export const kubectl132 = process.env.SKIFF_KUBECTL_132 ?? "/usr/bin/kubectl";
export const kubectl120 = process.env.SKIFF_KUBECTL_120 ?? "/opt/kubectl-1.20/usr/bin/kubectl";

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json(): Record<string, unknown>;
}

export interface RequestOptions {
  method?: string;
  body?: string | Buffer;
  contentType?: string;
  accept?: string;
  /** "admin" (default), "viewer" or "none". */
  as?: "admin" | "viewer" | "none";
  /** A bearer token to send instead of the cluster's own. */
  token?: string;
  /** A client certificate and key (PEM) to present. */
  clientCert?: { cert: string; key: string };
}

export interface ApiServerStartOptions {
  /** Extra flags for the apiserver's node process (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** The address it listens on and clients use (default loopback). */
  host?: string;
  serviceCidr?: string;
}

export class ApiServerProcess {
  proc: ChildProcess | undefined;
  readonly log: string[] = [];
  private readonly cacheDirs = new Map<string, string>();
  private readonly peers: ApiServerProcess[] = [];

  private constructor(
    readonly store: StoreCluster,
    readonly dir: string,
    readonly port: number,
    /** The address it listens on and clients use: loopback, or a test network's bridge address for containers to reach. */
    readonly host = "127.0.0.1",
    readonly serviceCidr = "10.96.0.0/16",
    private readonly nodeArgs: string[] = [],
  ) {}

  get url(): string {
    return `https://${this.host}:${this.port}`;
  }

  get kubeconfig(): string {
    return join(this.dir, "pki", "kubeconfig");
  }

  static async start(kind: StoreKind, opts: ApiServerStartOptions = {}): Promise<ApiServerProcess> {
    const host = opts.host ?? "127.0.0.1";
    const store = await StoreCluster.start({ kind });
    const dir = mkdtempSync(join(tmpdir(), "skiff-apiserver-"));
    let api: ApiServerProcess | undefined;
    try {
      const port = await freePort();
      const certs = spawnSync(process.execPath, ["--import", "tsx", join(repo, "deploy/src/cli.ts"), "certs", "--dir", join(dir, "pki"), "--server", `https://${host}:${port}`], {
        cwd: repo,
        encoding: "utf8",
        timeout: 60_000,
      });
      if (certs.status !== 0) throw new Error(`skiff certs failed: ${certs.stderr}`);
      api = new ApiServerProcess(store, dir, port, host, opts.serviceCidr, opts.nodeArgs);
      api.launch();
      await api.waitReady();
      return api;
    } catch (err) {
      if (api !== undefined) await api.stop();
      else {
        await store.stop();
        rmSync(dir, { recursive: true, force: true });
      }
      throw err;
    }
  }

  /**
   * Another apiserver process on the same store and credentials, on a port
   * of its own (a cluster runs several). stop() of this one stops it too.
   */
  async startPeer(): Promise<ApiServerProcess> {
    const peer = new ApiServerProcess(this.store, this.dir, await freePort(), this.host, this.serviceCidr, this.nodeArgs);
    this.peers.push(peer);
    peer.launch();
    await peer.waitReady();
    return peer;
  }

  launch(): void {
    const pki = join(this.dir, "pki");
    const args = [
      ...profileArgs(),
      ...this.nodeArgs,
      "--import",
      "tsx",
      join(repo, "deploy/src/cli.ts"),
      "apiserver",
      `--etcd-servers=${this.store.members.map((m) => m.clientUrl).join(",")}`,
      `--secure-port=${this.port}`,
      `--bind-address=${this.host}`,
      `--tls-cert-file=${join(pki, "apiserver.crt")}`,
      `--tls-private-key-file=${join(pki, "apiserver.key")}`,
      `--client-ca-file=${join(pki, "ca.crt")}`,
      `--token-auth-file=${join(pki, "tokens.csv")}`,
      `--encryption-provider-config=${join(pki, "encryption-config.yaml")}`,
      `--service-cluster-ip-range=${this.serviceCidr}`,
      // The admin client certificate (O=system:masters) is what kubelets see for pods/log.
      `--kubelet-client-certificate=${join(pki, "admin.crt")}`,
      `--kubelet-client-key=${join(pki, "admin.key")}`,
      "--service-node-port-range=30000-30099",
    ];
    const proc = spawn(process.execPath, args, { cwd: repo, stdio: ["ignore", "pipe", "pipe"] });
    const keep = (b: Buffer): void => {
      this.log.push(b.toString());
      if (this.log.length > 500) this.log.splice(0, this.log.length - 500);
    };
    proc.stdout?.on("data", keep);
    proc.stderr?.on("data", keep);
    proc.on("exit", () => {
      if (this.proc === proc) this.proc = undefined;
    });
    this.proc = proc;
  }

  async waitReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const r = await this.request("/readyz", { as: "none" });
        if (r.status === 200) return;
      } catch {
        // not listening yet
      }
      if (this.proc === undefined || Date.now() > deadline) throw new Error(`apiserver not ready:\n${this.log.join("").slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** The CA certificate (PEM) and a bearer token, for clients of their own. */
  credentials(as: "admin" | "viewer" = "admin"): { ca: Buffer; token: string } {
    return { ca: readFileSync(join(this.dir, "pki", "ca.crt")), token: this.token(as) };
  }

  private token(as: "admin" | "viewer"): string {
    const lines = readFileSync(join(this.dir, "pki", "tokens.csv"), "utf8").trim().split("\n");
    return lines[as === "admin" ? 0 : 1]!.split(",")[0]!;
  }

  request(path: string, opts: RequestOptions = {}): Promise<HttpAnswer> {
    const headers: Record<string, string> = { Accept: opts.accept ?? "application/json" };
    if (opts.token !== undefined) headers.Authorization = `Bearer ${opts.token}`;
    else if (opts.as !== "none") headers.Authorization = `Bearer ${this.token(opts.as ?? "admin")}`;
    if (opts.body !== undefined) {
      headers["Content-Type"] = opts.contentType ?? "application/json";
      // Node frames a DELETE body only when told its length.
      headers["Content-Length"] = String(Buffer.byteLength(opts.body));
    }
    const ca = readFileSync(join(this.dir, "pki", "ca.crt"));
    return new Promise((resolve, reject) => {
      const req = request(`${this.url}${path}`, { method: opts.method ?? "GET", headers, ca, agent: false, ...(opts.clientCert ?? {}) }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const body = Buffer.concat(chunks).toString("utf8");
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) as Record<string, unknown> });
        });
        res.on("error", reject);
      });
      req.on("error", reject);
      req.setTimeout(30_000, () => req.destroy(new Error(`request ${path} timed out`)));
      if (opts.body !== undefined) req.write(opts.body);
      req.end();
    });
  }

  /** Starts kubectl in the background (for `get -w`); its output accumulates until it is killed. */
  kubectlBackground(bin: string, args: string[]): { output(): string; stop(): Promise<void> } {
    let out = "";
    const proc = spawn(bin, ["--kubeconfig", this.kubeconfig, "--cache-dir", join(this.dir, "kube-cache-bg"), ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: this.dir },
    });
    proc.stdout.on("data", (b: Buffer) => (out += b.toString()));
    proc.stderr.on("data", (b: Buffer) => (out += b.toString()));
    const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    return {
      output: () => out,
      stop: async () => {
        if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
        await exited;
      },
    };
  }

  /** Opens a watch and collects its events until stopped. */
  watch(path: string, accept = "application/json"): { events: { type: string; object: Record<string, unknown> }[]; status: Promise<number>; stop(): void } {
    const events: { type: string; object: Record<string, unknown> }[] = [];
    const ca = readFileSync(join(this.dir, "pki", "ca.crt"));
    let stop = (): void => undefined;
    const status = new Promise<number>((resolve, reject) => {
      const req = request(`${this.url}${path}`, { headers: { Accept: accept, Authorization: `Bearer ${this.token("admin")}` }, ca, agent: false }, (res) => {
        let buf = "";
        res.on("data", (c: Buffer) => {
          buf += c.toString("utf8");
          let nl;
          while ((nl = buf.indexOf("\n")) >= 0) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            if (line.trim() !== "") events.push(JSON.parse(line) as { type: string; object: Record<string, unknown> });
          }
        });
        res.on("error", () => undefined);
        resolve(res.statusCode ?? 0);
      });
      req.on("error", (err) => (events.length === 0 ? reject(err) : undefined));
      req.end();
      stop = () => req.destroy();
    });
    return { events, status, stop: () => stop() };
  }

  /** Runs a kubectl binary with this cluster's kubeconfig and a cache dir of its own, fresh for this cluster. */
  kubectl(bin: string, args: string[], input?: string): { status: number; stdout: string; stderr: string } {
    let cache = this.cacheDirs.get(bin);
    if (cache === undefined) this.cacheDirs.set(bin, (cache = join(this.dir, `kube-cache-${this.cacheDirs.size}`)));
    const r = spawnSync(bin, ["--kubeconfig", this.kubeconfig, "--cache-dir", cache, ...args], {
      input,
      encoding: "utf8",
      timeout: 60_000,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: this.dir },
    });
    return { status: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
  }

  /** Makes a second, unrelated set of credentials with `skiff certs` (for refusal tests). */
  foreignCredentials(): { cert: string; key: string } {
    const dir = join(this.dir, "foreign-pki");
    const r = spawnSync(process.execPath, ["--import", "tsx", join(repo, "deploy/src/cli.ts"), "certs", "--dir", dir], { cwd: repo, encoding: "utf8", timeout: 60_000 });
    if (r.status !== 0) throw new Error(`skiff certs failed: ${r.stderr}`);
    return { cert: readFileSync(join(dir, "admin.crt"), "utf8"), key: readFileSync(join(dir, "admin.key"), "utf8") };
  }

  /** This cluster's own admin client certificate and key. */
  adminCredentials(): { cert: string; key: string } {
    const dir = join(this.dir, "pki");
    return { cert: readFileSync(join(dir, "admin.crt"), "utf8"), key: readFileSync(join(dir, "admin.key"), "utf8") };
  }

  writeFile(name: string, text: string): string {
    const path = join(this.dir, name);
    writeFileSync(path, text);
    return path;
  }

  /**
   * Stops the apiserver process, leaving the store running: SIGKILL by
   * default; SIGTERM lets it exit on its own (and write a --cpu-prof), with
   * SIGKILL after 15 s if it does not.
   */
  async stopServer(signal: "SIGKILL" | "SIGTERM" = "SIGKILL"): Promise<void> {
    const proc = this.proc;
    if (proc === undefined) return;
    await new Promise<void>((resolve) => {
      const late = setTimeout(() => proc.kill("SIGKILL"), 15_000);
      proc.once("exit", () => {
        clearTimeout(late);
        resolve();
      });
      proc.kill(signal);
    });
  }

  async stop(): Promise<void> {
    for (const peer of this.peers) await peer.stopServer();
    await this.stopServer();
    await this.store.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
