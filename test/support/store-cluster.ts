// Starts a cluster of store members as real processes on loopback: skiff's
// (`skiff store`) or, with the same flags, Debian's etcd 3.4, so tests and
// benchmarks can drive both the same way. Everything it starts it stops, and
// its data directories are removed.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePorts } from "./ports.ts";

export type StoreKind = "skiff" | "etcd";

export interface MemberProcess {
  name: string;
  clientUrl: string;
  peerUrl: string;
  /** Where the member serves /metrics over HTTP (--listen-metrics-urls). */
  metricsUrl: string;
  dataDir: string;
  proc: ChildProcess | undefined;
  log: string[];
}

export interface ClusterOptions {
  kind: StoreKind;
  members?: number;
  heartbeatMs?: number;
  electionMs?: number;
  snapshotCount?: number;
  /** Extra environment for every member. */
  env?: Record<string, string>;
}

const repo = fileURLToPath(new URL("../..", import.meta.url));

export function etcdctl(endpoints: string, args: string[], input?: string): { status: number; stdout: string; stderr: string } {
  const r = spawnSync("etcdctl", [`--endpoints=${endpoints}`, "--dial-timeout=2s", "--command-timeout=5s", ...args], {
    env: { ...process.env, ETCDCTL_API: "3" },
    input,
    encoding: "utf8",
    timeout: 20_000,
  });
  return { status: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

export class StoreCluster {
  readonly members: MemberProcess[] = [];
  private readonly root: string;

  private constructor(readonly opts: Required<Omit<ClusterOptions, "env">> & { env: Record<string, string> }) {
    this.root = mkdtempSync(join(tmpdir(), `skiff-${opts.kind}-`));
  }

  static async start(options: ClusterOptions): Promise<StoreCluster> {
    const c = new StoreCluster({ members: 3, heartbeatMs: 100, electionMs: 1000, snapshotCount: 100_000, env: {}, ...options });
    const ports = await freePorts(c.opts.members * 3);
    for (let i = 0; i < c.opts.members; i++) {
      c.members.push({
        name: `m${i + 1}`,
        clientUrl: `http://127.0.0.1:${ports[2 * i]}`,
        peerUrl: `http://127.0.0.1:${ports[2 * i + 1]}`,
        metricsUrl: `http://127.0.0.1:${ports[2 * c.opts.members + i]}`,
        dataDir: join(c.root, `m${i + 1}`),
        proc: undefined,
        log: [],
      });
    }
    for (const m of c.members) c.launch(m, "new");
    try {
      await c.waitHealthy();
    } catch (err) {
      // The caller never gets the cluster, so nothing else could stop it.
      await c.stop();
      throw err;
    }
    return c;
  }

  initialCluster(members = this.members): string {
    return members.map((m) => `${m.name}=${m.peerUrl}`).join(",");
  }

  endpoints(members = this.members.filter((m) => m.proc !== undefined)): string {
    return members.map((m) => m.clientUrl.replace("http://", "")).join(",");
  }

  member(name: string): MemberProcess {
    const m = this.members.find((x) => x.name === name);
    if (m === undefined) throw new Error(`no member ${name}`);
    return m;
  }

  /** Starts (or restarts) a member process with etcd's flags. */
  launch(m: MemberProcess, state: "new" | "existing", initialCluster = this.initialCluster()): void {
    const flags = [
      `--name=${m.name}`,
      `--data-dir=${m.dataDir}`,
      `--listen-client-urls=${m.clientUrl}`,
      `--advertise-client-urls=${m.clientUrl}`,
      `--listen-peer-urls=${m.peerUrl}`,
      `--listen-metrics-urls=${m.metricsUrl}`,
      `--initial-advertise-peer-urls=${m.peerUrl}`,
      `--initial-cluster=${initialCluster}`,
      `--initial-cluster-state=${state}`,
      `--initial-cluster-token=tok-${this.root.slice(-6)}`,
      `--heartbeat-interval=${this.opts.heartbeatMs}`,
      `--election-timeout=${this.opts.electionMs}`,
      `--snapshot-count=${this.opts.snapshotCount}`,
    ];
    const [cmd, args] =
      this.opts.kind === "skiff"
        ? [process.execPath, ["--import", "tsx", join(repo, "deploy/src/cli.ts"), "store", ...flags]]
        : ["etcd", flags];
    const proc = spawn(cmd, args, { cwd: repo, env: { ...process.env, ...this.opts.env }, stdio: ["ignore", "pipe", "pipe"] });
    const keep = (b: Buffer): void => {
      m.log.push(b.toString());
      if (m.log.length > 500) m.log.splice(0, m.log.length - 500);
    };
    proc.stdout?.on("data", keep);
    proc.stderr?.on("data", keep);
    proc.on("exit", () => {
      if (m.proc === proc) m.proc = undefined;
    });
    m.proc = proc;
  }

  /** kill -9: the process dies without a chance to flush anything. */
  kill(name: string, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const m = this.member(name);
    const proc = m.proc;
    if (proc === undefined) return Promise.resolve();
    return new Promise((resolve) => {
      proc.once("exit", () => resolve());
      proc.kill(signal);
    });
  }

  restart(name: string): void {
    this.launch(this.member(name), "new");
  }

  /** The name of the member that leads now, asked through etcdctl. */
  leader(): string | undefined {
    const r = etcdctl(this.endpoints(), ["endpoint", "status", "-w", "json"]);
    if (r.status !== 0) return undefined;
    try {
      const rows = JSON.parse(r.stdout) as { Endpoint: string; Status: { leader: number; header: { member_id: number } } }[];
      const lead = rows.find((row) => row.Status.header.member_id === row.Status.leader);
      if (lead === undefined) return undefined;
      return this.members.find((m) => m.clientUrl.endsWith(lead.Endpoint.split(":").pop()!))?.name;
    } catch {
      return undefined;
    }
  }

  async waitHealthy(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = etcdctl(this.endpoints(), ["endpoint", "health"]);
      if (r.status === 0 && this.leader() !== undefined) return;
      if (Date.now() > deadline) {
        const logs = this.members.map((m) => `--- ${m.name}\n${m.log.join("").slice(-2000)}`).join("\n");
        throw new Error(`cluster not healthy after ${timeoutMs} ms: ${r.stderr}\n${logs}`);
      }
      await new Promise((res) => setTimeout(res, 200));
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.members.map((m) => this.kill(m.name)));
    rmSync(this.root, { recursive: true, force: true });
  }
}
