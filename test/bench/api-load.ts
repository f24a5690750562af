// The load that `skiff bench api` puts on an API server: closed-loop clients
// over keep-alive HTTPS connections (HTTP/1.1, what kubectl and client-go
// fall back to when the server offers no h2), and watchers that each hold a
// connection of their own, as client-go's reflectors do over HTTP/1.1.
import { type ChildProcess, fork } from "node:child_process";
import { Agent, request } from "node:https";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export interface ApiTarget {
  url: string;
  ca: Buffer;
  token: string;
}

export interface Answer {
  status: number;
  body: Buffer;
}

export interface ThroughputFigures {
  ops: number;
  opsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

export interface WatchFigures {
  watchers: number;
  events: number;
  /** Event arrivals measured (watchers × events when nothing was lost). */
  delivered: number;
  /** From the create's acknowledgement to the arrival, floored at 0. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Share of arrivals that came before the writer had its acknowledgement. */
  beforeAckPercent: number;
  /** From the create being sent to the arrival. */
  fromSendP50Ms: number;
  fromSendP99Ms: number;
}

export interface WriteJob {
  url: string;
  ca: string;
  token: string;
  path: string;
  body: string;
}

export interface WriteResult {
  status: number;
  sentAt: number;
  ackedAt: number;
  body: string;
}

const repo = fileURLToPath(new URL("../..", import.meta.url));

/** A process of its own that sends the watched writes, one at a time. */
export class RemoteWriter {
  private readonly child: ChildProcess;

  constructor(private readonly target: ApiTarget) {
    this.child = fork(join(repo, "test/bench/api-writer-child.ts"), [], { cwd: repo, execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  }

  write(path: string, body: string): Promise<WriteResult> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`writer exited (${code})`));
      this.child.once("exit", onExit);
      this.child.once("message", (m: WriteResult) => {
        this.child.off("exit", onExit);
        resolve(m);
      });
      const job: WriteJob = { url: this.target.url, ca: this.target.ca.toString("utf8"), token: this.target.token, path, body };
      this.child.send(job);
    });
  }

  close(): void {
    this.child.kill();
  }
}

export function percentile(xs: number[], p: number): number {
  const s = Float64Array.from(xs).sort();
  return s.length === 0 ? 0 : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** A pod as `kubectl run` would create it (no scheduler runs, so it stays Pending). */
export function podManifest(name: string): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { app: "bench", run: name } },
    spec: { containers: [{ name: "app", image: "skiff/demo-app", ports: [{ containerPort: 8080, protocol: "TCP" }], resources: {} }] },
  });
}

export class ApiLoad {
  private readonly agent: Agent;

  constructor(
    private readonly target: ApiTarget,
    connections: number,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: connections, ca: target.ca });
  }

  send(method: string, path: string, body?: string): Promise<Answer> {
    const headers: Record<string, string> = { Accept: "application/json", Authorization: `Bearer ${this.target.token}` };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      headers["Content-Length"] = String(Buffer.byteLength(body));
    }
    return new Promise((resolve, reject) => {
      const req = request(`${this.target.url}${path}`, { method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      });
      req.on("error", reject);
      req.setTimeout(60_000, () => req.destroy(new Error(`${method} ${path} timed out`)));
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  /** Runs `count` operations (op(i) for i = 0..count-1) on `clients` closed-loop clients. */
  async fixed(count: number, clients: number, op: (i: number) => Promise<boolean>): Promise<ThroughputFigures> {
    const latencies: number[] = [];
    let next = 0;
    let errors = 0;
    const started = performance.now();
    const client = async (): Promise<void> => {
      while (next < count) {
        const i = next++;
        const t = performance.now();
        if (await op(i).catch(() => false)) latencies.push(performance.now() - t);
        else errors++;
      }
    };
    await Promise.all(Array.from({ length: clients }, client));
    const seconds = (performance.now() - started) / 1000;
    return { ops: latencies.length, opsPerSecond: latencies.length / seconds, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), errors };
  }

  /** Runs op on `clients` closed-loop clients for warmupMs, then counts for durationMs. */
  async timed(durationMs: number, warmupMs: number, clients: number, op: (i: number) => Promise<boolean>): Promise<ThroughputFigures> {
    const latencies: number[] = [];
    let errors = 0;
    let n = 0;
    const warmEnd = performance.now() + warmupMs;
    const end = warmEnd + durationMs;
    const client = async (): Promise<void> => {
      for (;;) {
        const t = performance.now();
        if (t >= end) return;
        const ok = await op(n++).catch(() => false);
        const done = performance.now();
        if (t < warmEnd || done > end) continue;
        if (ok) latencies.push(done - t);
        else errors++;
      }
    };
    await Promise.all(Array.from({ length: clients }, client));
    return { ops: latencies.length, opsPerSecond: latencies.length / (durationMs / 1000), p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), errors };
  }

  close(): void {
    this.agent.destroy();
  }
}

/** One watch connection; calls onName(name, arrivedAt) for each ADDED object. */
class Watcher {
  private buf = "";
  private stopRequest: () => void = () => undefined;

  constructor(
    private readonly target: ApiTarget,
    private readonly path: string,
    private readonly onAdded: (name: string, at: number) => void,
  ) {}

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const headers = { Accept: "application/json", Authorization: `Bearer ${this.target.token}` };
      const req = request(`${this.target.url}${this.path}`, { headers, ca: this.target.ca, agent: false }, (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`watch answered ${res.statusCode}`));
          res.resume();
          return;
        }
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => this.take(chunk, performance.timeOrigin + performance.now()));
        res.on("error", () => undefined);
        resolve();
      });
      req.on("error", reject);
      req.end();
      this.stopRequest = () => req.destroy();
    });
  }

  /**
   * Finds each event's object name without parsing the whole object: the
   * server writes kind, apiVersion, then metadata with name first.
   */
  private take(chunk: string, at: number): void {
    this.buf += chunk;
    let nl;
    while ((nl = this.buf.indexOf("\n")) >= 0) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      if (!line.startsWith('{"type":"ADDED"')) continue;
      const i = line.indexOf('"name":"');
      if (i < 0) continue;
      this.onAdded(line.slice(i + 8, line.indexOf('"', i + 8)), at);
    }
  }

  close(): void {
    this.stopRequest();
  }
}

export interface WatchJob {
  watchers: number;
  events: number;
  namespace: string;
  /** Where the writer's first, unmeasured create goes. */
  warmupNamespace: string;
  /** Watches opened at the same time. */
  openConcurrency: number;
  /** How long one write may take to reach every watcher before the run gives up on it. */
  eventTimeoutMs: number;
}

/**
 * Opens `watchers` watches on a namespace's pods from the revision of a list
 * (as an informer does), then writes pods one after the other: each create
 * is acknowledged, then delivered to every watcher before the next goes out.
 * A latency is an arrival time minus the acknowledgement time, floored at 0
 * (a watcher can see the event before the writer sees the answer).
 */
export async function watchDelivery(load: ApiLoad, target: ApiTarget, job: WatchJob): Promise<WatchFigures> {
  const writer = new RemoteWriter(target);
  try {
    return await deliver(load, target, job, writer);
  } finally {
    writer.close();
  }
}

async function deliver(load: ApiLoad, target: ApiTarget, job: WatchJob, writer: RemoteWriter): Promise<WatchFigures> {
  // The writer's connection and JIT, outside the watched namespace.
  await writer.write(`/api/v1/namespaces/${job.warmupNamespace}/pods`, podManifest("writer-warmup"));
  const base = `/api/v1/namespaces/${job.namespace}/pods`;
  const listed = await load.send("GET", base);
  if (listed.status !== 200) throw new Error(`list before watch answered ${listed.status}`);
  const rv = (JSON.parse(listed.body.toString("utf8")) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
  const arrivals = new Map<string, number[]>();
  let waiting: { name: string; wake: () => void } | undefined;
  const onAdded = (name: string, at: number): void => {
    let list = arrivals.get(name);
    if (list === undefined) arrivals.set(name, (list = []));
    list.push(at);
    if (waiting !== undefined && waiting.name === name && list.length >= job.watchers) waiting.wake();
  };
  const watchers = Array.from({ length: job.watchers }, () => new Watcher(target, `${base}?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true&timeoutSeconds=3600`, onAdded));
  try {
    for (let i = 0; i < watchers.length; i += job.openConcurrency) {
      await Promise.all(watchers.slice(i, i + job.openConcurrency).map((w) => w.open()));
    }
    const latencies: number[] = [];
    const fromSend: number[] = [];
    let beforeAck = 0;
    for (let e = 0; e < job.events; e++) {
      const name = `watched-${e}`;
      const all = new Promise<void>((resolve) => {
        waiting = { name, wake: resolve };
        setTimeout(resolve, job.eventTimeoutMs).unref();
      });
      const created = await writer.write(base, podManifest(name));
      if (created.status !== 201) throw new Error(`create answered ${created.status}: ${created.body}`);
      if ((arrivals.get(name)?.length ?? 0) < job.watchers) await all;
      waiting = undefined;
      for (const at of arrivals.get(name) ?? []) {
        if (at < created.ackedAt) beforeAck++;
        latencies.push(Math.max(0, at - created.ackedAt));
        fromSend.push(at - created.sentAt);
      }
    }
    return {
      watchers: job.watchers,
      events: job.events,
      delivered: latencies.length,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      maxMs: latencies.reduce((a, b) => Math.max(a, b), 0),
      beforeAckPercent: (100 * beforeAck) / Math.max(1, latencies.length),
      fromSendP50Ms: percentile(fromSend, 50),
      fromSendP99Ms: percentile(fromSend, 99),
    };
  } finally {
    for (const w of watchers) w.close();
  }
}
