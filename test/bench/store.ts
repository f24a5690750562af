// `skiff bench store`: skiff's replicated store next to etcd 3.4, measured in
// the same run with the same load generator. Each starts as 3 member processes
// on loopback with the same flags (data dirs on the same disk, fsync on,
// default heartbeat and election timeouts), one cluster after the other:
//   - writes/s and p50/p99 latency at 1, 16 and 256 clients (256-byte
//     values, 8-byte keys, every key new);
//   - linearizable and serializable reads/s at 256 clients;
//   - events/s delivered to 1,000 watchers;
//   - failover: kill -9 of the leader to the first successful write, N kills.
// Clients are dealt out over the members round-robin, the leader first (one
// client talks to the leader). The generator runs in a child process
// (store-load.ts): closed-loop clients over a few HTTP/2 connections per
// member, through a minimal HTTP/2 client of its own (h2-client.ts) and
// hand-encoded protobuf (grpc-wire.ts), so the two cores go to the members.
// Failover puts go to every survivor every 5 ms with 300 ms deadlines, so a
// put stuck behind the dead leader never hides the new one.
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { type StoreKind, StoreCluster } from "../support/store-cluster.ts";
import { emptyFrame, paths, PutFrames, scanStatusResponse } from "./grpc-wire.ts";
import { H2Connection } from "./h2-client.ts";
import { cpuSeconds } from "./process-cpu.ts";
import type { LoadJob, LoadResult, ThroughputResult, WatchResult } from "./store-load.ts";

export interface StoreBenchOptions {
  kinds: StoreKind[];
  /** Only the write phases (no reads, watch or failover). */
  writesOnly: boolean;
  /** Measured time of each throughput phase. */
  durationMs: number;
  /** Load before each measured window (JIT warm-up, connections, batching settling). */
  warmupMs: number;
  writeClients: number[];
  readClients: number;
  watchers: number;
  watchStreams: number;
  /** Writes each watcher must see. */
  watchEvents: number;
  kills: number;
  connectionsPerMember: number;
  heartbeatMs: number;
  electionMs: number;
  /** Progress lines go here (stderr by default). */
  progress?: (line: string) => void;
}

export interface FailoverFigures {
  samplesMs: number[];
  p50Ms: number;
  maxMs: number;
}

/** A write phase, with the CPU time its member processes spent per acknowledged write. */
export interface WriteFigures extends ThroughputResult {
  /** All members' CPU, µs per write. */
  cpuUsPerWrite: number;
  /** The leader's share of it. */
  leaderCpuUsPerWrite: number;
}

export interface StoreFigures {
  kind: StoreKind;
  writes: Record<string, WriteFigures>;
  linearizableReads: ThroughputResult;
  serializableReads: ThroughputResult;
  watch: WatchResult;
  failover: FailoverFigures;
}

export const fullOptions: StoreBenchOptions = {
  kinds: ["skiff", "etcd"],
  writesOnly: false,
  durationMs: 10_000,
  warmupMs: 2_000,
  writeClients: [1, 16, 256],
  readClients: 256,
  watchers: 1000,
  watchStreams: 10,
  watchEvents: 500,
  kills: 10,
  connectionsPerMember: 2,
  heartbeatMs: 100,
  electionMs: 1000,
};

export const quickOptions: StoreBenchOptions = { ...fullOptions, durationMs: 2_000, warmupMs: 500, watchEvents: 100, kills: 3 };

const keyBytes = 8;
const valueBytes = 256;
const readKeys = 1000;
// Key prefixes (first key byte) keep every phase's keys distinct from the others'.
const prefix = { writes: 0x10, fill: 0x20, watch: 0x30, failover: 0x40 };
const repo = fileURLToPath(new URL("../..", import.meta.url));

/** The load generator in its own process; one job at a time. */
class LoadProcess {
  private readonly child: ChildProcess;

  constructor() {
    this.child = fork(join(repo, "test/bench/store-load-child.ts"), [], { cwd: repo, execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  }

  run<T extends LoadResult>(job: LoadJob): Promise<T> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`load generator exited (${code})`));
      this.child.once("exit", onExit);
      this.child.once("message", (m: { ok: true; result: T } | { ok: false; error: string }) => {
        this.child.off("exit", onExit);
        if (m.ok) resolve(m.result);
        else reject(new Error(m.error));
      });
      this.child.send(job);
    });
  }

  close(): void {
    this.child.kill();
  }
}

interface MemberView {
  name: string;
  endpoint: string;
  memberId: bigint;
  leader: bigint;
}

function unaryOnce(endpoint: string, path: string, frame: Buffer, timeoutMs: number): Promise<Buffer | undefined> {
  const ch = new H2Connection(endpoint);
  return new Promise((resolve) => {
    ch.unary(
      path,
      frame,
      timeoutMs,
      (ok, msg) => {
        ch.close();
        resolve(ok ? msg : undefined);
      },
      true,
    );
  });
}

/** Every live member's own id and the leader it knows. */
async function view(cluster: StoreCluster): Promise<MemberView[]> {
  const live = cluster.members.filter((m) => m.proc !== undefined);
  const rows = await Promise.all(
    live.map(async (m) => {
      const endpoint = m.clientUrl.replace("http://", "");
      const msg = await unaryOnce(endpoint, paths.status, emptyFrame, 1000);
      if (msg === undefined) return undefined;
      const s = scanStatusResponse(msg);
      return { name: m.name, endpoint, memberId: s.memberId, leader: s.leader };
    }),
  );
  return rows.filter((r): r is MemberView => r !== undefined);
}

/** Waits until every member runs, agrees on a leader and takes a write. */
async function waitSettled(cluster: StoreCluster, timeoutMs = 60_000): Promise<MemberView[]> {
  const deadline = performance.now() + timeoutMs;
  const put = new PutFrames(keyBytes, Buffer.alloc(valueBytes, 0x64));
  let n = 0;
  for (;;) {
    const rows = await view(cluster);
    const lead = rows[0]?.leader ?? 0n;
    if (rows.length === cluster.members.length && lead !== 0n && rows.every((r) => r.leader === lead) && rows.some((r) => r.memberId === lead)) {
      const oks = await Promise.all(rows.map((r) => unaryOnce(r.endpoint, paths.put, put.next(prefix.failover + 1, n++), 2000)));
      if (oks.every((o) => o !== undefined)) return rows;
    }
    if (performance.now() > deadline) throw new Error(`${cluster.opts.kind} cluster did not settle within ${timeoutMs} ms`);
    await sleep(100);
  }
}

function leaderFirst(rows: MemberView[]): string[] {
  const lead = rows.find((r) => r.memberId === r.leader);
  return [...(lead === undefined ? [] : [lead.endpoint]), ...rows.filter((r) => r !== lead).map((r) => r.endpoint)];
}

/**
 * Kills the leader with SIGKILL and times the first write that succeeds
 * afterwards. Writes go to every survivor every few milliseconds, each with a
 * short deadline, so a write stuck on a dead leader never hides a new one.
 */
async function failoverOnce(cluster: StoreCluster, attempt: number): Promise<number> {
  const rows = await waitSettled(cluster);
  const lead = rows.find((r) => r.memberId === r.leader)!;
  const survivors = rows.filter((r) => r !== lead).map((r) => new H2Connection(r.endpoint));
  await Promise.all(survivors.map((c) => c.connect()));
  const frames = new PutFrames(keyBytes, Buffer.alloc(valueBytes, 0x65));
  let n = attempt * 1_000_000;
  const killed = performance.now();
  const exited = cluster.kill(lead.name);
  const tookMs = await new Promise<number>((resolve, reject) => {
    let done = false;
    const giveUp = setTimeout(() => finish(new Error("no write succeeded within 30 s of the kill")), 30_000);
    const finish = (r: number | Error): void => {
      if (done) return;
      done = true;
      clearInterval(timer);
      clearTimeout(giveUp);
      if (r instanceof Error) reject(r);
      else resolve(r);
    };
    const tryWrite = (): void => {
      for (const ch of survivors) {
        ch.unary(
          paths.put,
          frames.next(prefix.failover, n++),
          300,
          (ok) => {
            if (ok) finish(performance.now() - killed);
          },
          true,
        );
      }
    };
    const timer = setInterval(tryWrite, 5);
    tryWrite();
  });
  for (const c of survivors) c.close();
  await exited;
  cluster.restart(lead.name);
  return tookMs;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function measureStore(kind: StoreKind, o: StoreBenchOptions): Promise<StoreFigures> {
  const say = o.progress ?? ((line: string) => process.stderr.write(`${line}\n`));
  const cluster = await StoreCluster.start({ kind, heartbeatMs: o.heartbeatMs, electionMs: o.electionMs, snapshotCount: 100_000 });
  const load = new LoadProcess();
  try {
    const rows = await waitSettled(cluster);
    const target = { endpoints: leaderFirst(rows), connections: o.connectionsPerMember };
    const leaderPid = cluster.members.find((m) => m.clientUrl.endsWith(target.endpoints[0]!))?.proc?.pid;
    const pids = cluster.members.map((m) => m.proc?.pid).filter((p): p is number => p !== undefined);
    const cpuOf = (ps: (number | undefined)[]): number => ps.reduce<number>((sum, p) => sum + (p === undefined ? 0 : cpuSeconds(p)), 0);
    const writes: Record<string, WriteFigures> = {};
    for (const [i, clients] of o.writeClients.entries()) {
      const [cpu0, lead0] = [cpuOf(pids), cpuOf([leaderPid])];
      const r = await load.run<ThroughputResult>({ kind: "writes", ...target, clients, warmupMs: o.warmupMs, durationMs: o.durationMs, keyPrefix: prefix.writes + i, keyBytes, valueBytes });
      const perWrite = (seconds: number): number => (r.acked > 0 ? (seconds * 1e6) / r.acked : 0);
      const w = { ...r, cpuUsPerWrite: perWrite(cpuOf(pids) - cpu0), leaderCpuUsPerWrite: perWrite(cpuOf([leaderPid]) - lead0) };
      say(
        `${kind}: ${clients} clients: ${Math.round(r.opsPerSecond)} writes/s, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, ` +
          `CPU ${Math.round(w.cpuUsPerWrite)} µs/write (leader ${Math.round(w.leaderCpuUsPerWrite)})${r.errors > 0 ? `, ${r.errors} errors` : ""}`,
      );
      writes[String(clients)] = w;
    }
    const none: ThroughputResult = { ops: 0, acked: 0, errors: 0, seconds: 0, opsPerSecond: 0, p50Ms: 0, p99Ms: 0 };
    if (o.writesOnly) {
      return { kind, writes, linearizableReads: none, serializableReads: none, watch: { watchers: 0, writes: 0, delivered: 0, expected: 0, seconds: 0, eventsPerSecond: 0 }, failover: { samplesMs: [], p50Ms: 0, maxMs: 0 } };
    }
    await load.run({ kind: "fill", ...target, keys: readKeys, keyPrefix: prefix.fill, keyBytes, valueBytes, clients: 64 });
    const readsOf = async (serializable: boolean): Promise<ThroughputResult> => {
      const r = await load.run<ThroughputResult>({ kind: "reads", ...target, clients: o.readClients, warmupMs: o.warmupMs, durationMs: o.durationMs, serializable, keys: readKeys, keyPrefix: prefix.fill, keyBytes });
      say(`${kind}: ${serializable ? "serializable" : "linearizable"} reads: ${Math.round(r.opsPerSecond)}/s${r.errors > 0 ? `, ${r.errors} errors` : ""}`);
      return r;
    };
    const linearizableReads = await readsOf(false);
    const serializableReads = await readsOf(true);
    const watch = await load.run<WatchResult>({
      kind: "watch",
      ...target,
      watchers: o.watchers,
      streams: o.watchStreams,
      events: o.watchEvents,
      writers: 16,
      keyPrefix: prefix.watch,
      keyBytes,
      valueBytes,
      timeoutMs: 120_000,
    });
    say(`${kind}: watch: ${Math.round(watch.eventsPerSecond)} events/s (${watch.delivered} of ${watch.expected})`);
    load.close();
    const samples: number[] = [];
    for (let k = 0; k < o.kills; k++) {
      const ms = await failoverOnce(cluster, k);
      samples.push(ms);
      say(`${kind}: failover ${k + 1}/${o.kills}: ${Math.round(ms)} ms`);
    }
    if (o.kills > 0) await waitSettled(cluster);
    return { kind, writes, linearizableReads, serializableReads, watch, failover: { samplesMs: samples, p50Ms: percentile(samples, 50), maxMs: Math.max(0, ...samples) } };
  } finally {
    load.close();
    await cluster.stop();
  }
}

export async function runStoreBench(o: StoreBenchOptions): Promise<Partial<Record<StoreKind, StoreFigures>>> {
  const out: Partial<Record<StoreKind, StoreFigures>> = {};
  for (const kind of o.kinds) out[kind] = await measureStore(kind, o);
  return out;
}

// ---- output ---------------------------------------------------------------

interface Row {
  label: string;
  value(f: StoreFigures): number;
  digits: number;
}

function rows(o: StoreBenchOptions): Row[] {
  const out: Row[] = [];
  for (const c of o.writeClients) {
    const w = (f: StoreFigures): WriteFigures => f.writes[String(c)]!;
    out.push({ label: `writes/s, ${c} client${c === 1 ? "" : "s"}`, value: (f) => w(f).opsPerSecond, digits: 0 });
    out.push({ label: "  p50 latency, ms", value: (f) => w(f).p50Ms, digits: 2 });
    out.push({ label: "  p99 latency, ms", value: (f) => w(f).p99Ms, digits: 2 });
    out.push({ label: "  members' CPU per write, µs", value: (f) => w(f).cpuUsPerWrite, digits: 0 });
    out.push({ label: "  leader's CPU per write, µs", value: (f) => w(f).leaderCpuUsPerWrite, digits: 0 });
  }
  if (o.writesOnly) return out;
  out.push({ label: `linearizable reads/s, ${o.readClients} clients`, value: (f) => f.linearizableReads.opsPerSecond, digits: 0 });
  out.push({ label: `serializable reads/s, ${o.readClients} clients`, value: (f) => f.serializableReads.opsPerSecond, digits: 0 });
  out.push({ label: `watch events/s, ${o.watchers.toLocaleString("en")} watchers`, value: (f) => f.watch.eventsPerSecond, digits: 0 });
  out.push({ label: `failover p50, ms (${o.kills} kills)`, value: (f) => f.failover.p50Ms, digits: 0 });
  out.push({ label: "failover max, ms", value: (f) => f.failover.maxMs, digits: 0 });
  return out;
}

function fmt(v: number, digits: number): string {
  return v.toLocaleString("en", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function formatTable(o: StoreBenchOptions, figures: Partial<Record<StoreKind, StoreFigures>>): string {
  const table = rows(o);
  const width = Math.max(...table.map((r) => r.label.length));
  const lines = [
    `store, 3 members each on loopback, fsync on, heartbeat ${o.heartbeatMs} ms, election ${o.electionMs} ms; ` +
      `${valueBytes}-byte values, ${keyBytes}-byte keys; ${o.durationMs / 1000} s per phase`,
    "",
    `${"".padEnd(width)}  ${"skiff".padStart(10)}  ${"etcd 3.4".padStart(10)}  ${"skiff/etcd".padStart(10)}`,
  ];
  for (const r of table) {
    const s = figures.skiff === undefined ? undefined : r.value(figures.skiff);
    const e = figures.etcd === undefined ? undefined : r.value(figures.etcd);
    const ratio = s !== undefined && e !== undefined && e > 0 ? `${(s / e).toFixed(2)}×` : "";
    lines.push(`${r.label.padEnd(width)}  ${(s === undefined ? "-" : fmt(s, r.digits)).padStart(10)}  ${(e === undefined ? "-" : fmt(e, r.digits)).padStart(10)}  ${ratio.padStart(10)}`);
  }
  lines.push("", "(for latency, CPU and failover rows a ratio below 1 is better)");
  return `${lines.join("\n")}\n`;
}

export function ratios(o: StoreBenchOptions, figures: Partial<Record<StoreKind, StoreFigures>>): Record<string, number> {
  const out: Record<string, number> = {};
  if (figures.skiff === undefined || figures.etcd === undefined) return out;
  let section = "";
  for (const r of rows(o)) {
    const label = r.label.startsWith("  ") ? `${section} ${r.label.trim()}` : r.label;
    if (!r.label.startsWith("  ")) section = r.label;
    const e = r.value(figures.etcd);
    if (e > 0) out[label] = r.value(figures.skiff) / e;
  }
  return out;
}

function parseArgs(args: string[]): StoreBenchOptions {
  const o: StoreBenchOptions = { ...(args.includes("--quick") ? quickOptions : fullOptions), writesOnly: args.includes("--writes-only") };
  for (const a of args) {
    const [flag, value] = a.split("=", 2);
    if (value === undefined) continue;
    const n = Number(value);
    if (flag === "--only") {
      o.kinds = value.split(",").filter((k): k is StoreKind => k === "skiff" || k === "etcd");
      if (o.kinds.length === 0) throw new Error(`--only takes skiff, etcd or both (got ${value})`);
    }
    else if (flag === "--duration-ms") o.durationMs = n;
    else if (flag === "--warmup-ms") o.warmupMs = n;
    else if (flag === "--kills") o.kills = n;
    else if (flag === "--watch-events") o.watchEvents = n;
    else if (flag === "--connections") o.connectionsPerMember = n;
    else if (flag === "--clients") o.writeClients = value.split(",").map(Number);
  }
  return o;
}

export async function main(args: string[]): Promise<number> {
  const o = parseArgs(args);
  const figures = await runStoreBench(o);
  if (args.includes("--json")) {
    const settings = { members: 3, keyBytes, valueBytes, durationMs: o.durationMs, warmupMs: o.warmupMs, heartbeatMs: o.heartbeatMs, electionMs: o.electionMs, watchers: o.watchers, kills: o.kills };
    process.stdout.write(`${JSON.stringify({ bench: "store", settings, ...figures, ratio: ratios(o, figures) })}\n`);
  } else {
    process.stdout.write(formatTable(o, figures));
  }
  return 0;
}

// A bench can be run on its own too: `node --import tsx test/bench/store.ts --quick`.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
