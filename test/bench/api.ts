// `skiff bench api`: the API server on a 3-member skiff store next to the
// same API server binary on a 3-member etcd 3.4 (only --etcd-servers
// differs), measured in the same run with the same client:
//   - pod creates/s (1,000 pods into one namespace) and their latency;
//   - pod gets/s;
//   - lists/s of those 1,000 pods (one unpaged list each);
//   - watch delivery p50/p99 to 1,000 watchers: from a create being
//     acknowledged to its ADDED event arriving at each watcher.
// The clusters start one after the other through test/support (the same
// start-up the API tests use). --cpu-prof writes a V8 CPU profile of each
// apiserver and prints where its time went.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ApiServerProcess } from "../support/apiserver.ts";
import type { StoreKind } from "../support/store-cluster.ts";
import { type ApiTarget, ApiLoad, type ThroughputFigures, type WatchFigures, podManifest, watchDelivery } from "./api-load.ts";
import { type ProfileLine, summarizeProfile } from "./cpu-profile.ts";

export interface ApiBenchOptions {
  kinds: StoreKind[];
  /** Closed-loop clients for creates and gets. */
  concurrency: number;
  /** Closed-loop clients for lists (each answer is ~1,000 pods). */
  listConcurrency: number;
  pods: number;
  durationMs: number;
  warmupMs: number;
  watchers: number;
  watchEvents: number;
  /** Directory for the apiservers' CPU profiles, or undefined for none. */
  cpuProfDir: string | undefined;
  /** Progress lines go here (stderr by default). */
  progress?: (line: string) => void;
}

export interface ApiFigures {
  kind: StoreKind;
  creates: ThroughputFigures;
  gets: ThroughputFigures;
  lists: ThroughputFigures;
  watch: WatchFigures;
  profile?: ProfileLine[];
}

export const fullOptions: ApiBenchOptions = {
  kinds: ["skiff", "etcd"],
  concurrency: 32,
  listConcurrency: 4,
  pods: 1000,
  durationMs: 10_000,
  warmupMs: 2_000,
  watchers: 1000,
  watchEvents: 100,
  cpuProfDir: undefined,
};

export const quickOptions: ApiBenchOptions = { ...fullOptions, durationMs: 2_000, warmupMs: 500, watchEvents: 20 };

async function measure(kind: StoreKind, o: ApiBenchOptions): Promise<ApiFigures> {
  const say = o.progress ?? ((line: string) => process.stderr.write(`${line}\n`));
  let profileDir: string | undefined;
  if (o.cpuProfDir !== undefined) mkdirSync((profileDir = join(o.cpuProfDir, kind)), { recursive: true });
  const api = await ApiServerProcess.start(kind, { nodeArgs: profileDir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] });
  const target: ApiTarget = { url: api.url, ...api.credentials() };
  const load = new ApiLoad(target, Math.max(o.concurrency, o.listConcurrency));
  try {
    for (const ns of ["bench", "bench-watch"]) {
      const r = await load.send("POST", "/api/v1/namespaces", JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }));
      if (r.status !== 201) throw new Error(`namespace ${ns}: ${r.status} ${r.body.toString("utf8")}`);
    }
    const pods = "/api/v1/namespaces/bench/pods";
    const creates = await load.fixed(o.pods, o.concurrency, async (i) => (await load.send("POST", pods, podManifest(`pod-${i}`))).status === 201);
    say(`${kind}: ${Math.round(creates.opsPerSecond)} creates/s, p50 ${creates.p50Ms.toFixed(1)} ms, p99 ${creates.p99Ms.toFixed(1)} ms${creates.errors > 0 ? `, ${creates.errors} errors` : ""}`);
    if (creates.errors > 0) throw new Error(`${kind}: ${creates.errors} creates failed`);
    const gets = await load.timed(o.durationMs, o.warmupMs, o.concurrency, async (i) => (await load.send("GET", `${pods}/pod-${(i * 7919) % o.pods}`)).status === 200);
    say(`${kind}: ${Math.round(gets.opsPerSecond)} gets/s, p50 ${gets.p50Ms.toFixed(1)} ms, p99 ${gets.p99Ms.toFixed(1)} ms`);
    const first = JSON.parse((await load.send("GET", pods)).body.toString("utf8")) as { items: unknown[] };
    if (first.items.length !== o.pods) throw new Error(`${kind}: list returned ${first.items.length} pods, expected ${o.pods}`);
    const lists = await load.timed(o.durationMs, o.warmupMs, o.listConcurrency, async () => (await load.send("GET", pods)).status === 200);
    say(`${kind}: ${lists.opsPerSecond.toFixed(1)} lists/s of ${o.pods} pods, p50 ${lists.p50Ms.toFixed(1)} ms`);
    const watch = await watchDelivery(load, target, { watchers: o.watchers, events: o.watchEvents, namespace: "bench-watch", warmupNamespace: "bench", openConcurrency: 50, eventTimeoutMs: 30_000 });
    say(
      `${kind}: watch delivery to ${o.watchers} watchers: p50 ${watch.p50Ms.toFixed(1)} ms, p99 ${watch.p99Ms.toFixed(1)} ms after the ack ` +
        `(${watch.beforeAckPercent.toFixed(1)}% before it), p50 ${watch.fromSendP50Ms.toFixed(1)} ms, p99 ${watch.fromSendP99Ms.toFixed(1)} ms after the send (${watch.delivered} of ${o.watchers * o.watchEvents} arrivals)`,
    );
    let profile: ProfileLine[] | undefined;
    if (profileDir !== undefined) {
      load.close();
      await api.stopServer("SIGTERM");
      const file = readdirSync(profileDir).find((f) => f.endsWith(".cpuprofile"));
      if (file === undefined) say(`${kind}: the apiserver wrote no CPU profile`);
      else {
        profile = summarizeProfile(JSON.parse(readFileSync(join(profileDir, file), "utf8")), 20);
        say(`${kind}: CPU profile ${join(profileDir, file)}`);
      }
    }
    return { kind, creates, gets, lists, watch, ...(profile === undefined ? {} : { profile }) };
  } finally {
    load.close();
    await api.stop();
  }
}

interface Row {
  label: string;
  value(f: ApiFigures): number;
  digits: number;
}

function rows(o: ApiBenchOptions): Row[] {
  const w = o.watchers.toLocaleString("en");
  return [
    { label: `pod creates/s, ${o.concurrency} clients`, value: (f) => f.creates.opsPerSecond, digits: 0 },
    { label: "  p50 latency, ms", value: (f) => f.creates.p50Ms, digits: 1 },
    { label: "  p99 latency, ms", value: (f) => f.creates.p99Ms, digits: 1 },
    { label: `pod gets/s, ${o.concurrency} clients`, value: (f) => f.gets.opsPerSecond, digits: 0 },
    { label: "  p99 latency, ms", value: (f) => f.gets.p99Ms, digits: 1 },
    { label: `lists/s of ${o.pods.toLocaleString("en")} pods, ${o.listConcurrency} clients`, value: (f) => f.lists.opsPerSecond, digits: 1 },
    { label: `watch delivery p50, ms, ${w} watchers`, value: (f) => f.watch.p50Ms, digits: 1 },
    { label: "watch delivery p99, ms", value: (f) => f.watch.p99Ms, digits: 1 },
    { label: "  arrivals before the ack, %", value: (f) => f.watch.beforeAckPercent, digits: 1 },
    { label: "  from the send: p50, ms", value: (f) => f.watch.fromSendP50Ms, digits: 1 },
    { label: "  from the send: p99, ms", value: (f) => f.watch.fromSendP99Ms, digits: 1 },
  ];
}

function fmt(v: number, digits: number): string {
  return v.toLocaleString("en", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function formatTable(o: ApiBenchOptions, figures: Partial<Record<StoreKind, ApiFigures>>): string {
  const table = rows(o);
  const width = Math.max(...table.map((r) => r.label.length));
  const lines = [
    `API server (HTTPS, HTTP/1.1 keep-alive) on 3 store members each on loopback; ${o.durationMs / 1000} s per timed phase; ${o.watchEvents} watched creates`,
    "",
    `${"".padEnd(width)}  ${"skiff".padStart(10)}  ${"etcd 3.4".padStart(10)}  ${"skiff/etcd".padStart(10)}`,
  ];
  for (const r of table) {
    const s = figures.skiff === undefined ? undefined : r.value(figures.skiff);
    const e = figures.etcd === undefined ? undefined : r.value(figures.etcd);
    const ratio = s !== undefined && e !== undefined && e > 0 ? `${(s / e).toFixed(2)}×` : "";
    lines.push(`${r.label.padEnd(width)}  ${(s === undefined ? "-" : fmt(s, r.digits)).padStart(10)}  ${(e === undefined ? "-" : fmt(e, r.digits)).padStart(10)}  ${ratio.padStart(10)}`);
  }
  lines.push("", "(for latency rows a ratio below 1 is better)");
  for (const f of Object.values(figures)) {
    if (f.profile === undefined) continue;
    lines.push("", `apiserver CPU profile on ${f.kind}, self time:`);
    for (const p of f.profile) lines.push(`  ${p.percent.toFixed(1).padStart(5)}%  ${p.name}`);
  }
  return `${lines.join("\n")}\n`;
}

function ratios(o: ApiBenchOptions, figures: Partial<Record<StoreKind, ApiFigures>>): Record<string, number> {
  const out: Record<string, number> = {};
  if (figures.skiff === undefined || figures.etcd === undefined) return out;
  let section = "";
  for (const r of rows(o)) {
    if (!r.label.startsWith("  ")) section = r.label;
    const e = r.value(figures.etcd);
    if (e > 0) out[r.label.startsWith("  ") ? `${section} ${r.label.trim()}` : r.label] = r.value(figures.skiff) / e;
  }
  return out;
}

export function parseArgs(args: string[]): ApiBenchOptions {
  const o: ApiBenchOptions = { ...(args.includes("--quick") ? quickOptions : fullOptions) };
  for (const a of args) {
    const [flag, value] = a.split("=", 2);
    if (flag === "--cpu-prof") o.cpuProfDir = value ?? mkdtempSync(join(tmpdir(), "skiff-bench-api-prof-"));
    if (value === undefined) continue;
    const n = Number(value);
    if (flag === "--only") {
      o.kinds = value.split(",").filter((k): k is StoreKind => k === "skiff" || k === "etcd");
      if (o.kinds.length === 0) throw new Error(`--only takes skiff, etcd or both (got ${value})`);
    } else if (["--concurrency", "--list-concurrency", "--pods", "--duration-ms", "--warmup-ms", "--watchers", "--watch-events"].includes(flag!)) {
      if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} takes a positive integer (got ${value})`);
      if (flag === "--concurrency") o.concurrency = n;
      else if (flag === "--list-concurrency") o.listConcurrency = n;
      else if (flag === "--pods") o.pods = n;
      else if (flag === "--duration-ms") o.durationMs = n;
      else if (flag === "--warmup-ms") o.warmupMs = n;
      else if (flag === "--watchers") o.watchers = n;
      else o.watchEvents = n;
    }
  }
  return o;
}

export async function runApiBench(o: ApiBenchOptions): Promise<Partial<Record<StoreKind, ApiFigures>>> {
  const out: Partial<Record<StoreKind, ApiFigures>> = {};
  for (const kind of o.kinds) out[kind] = await measure(kind, o);
  return out;
}

export async function main(args: string[]): Promise<number> {
  const o = parseArgs(args);
  const figures = await runApiBench(o);
  if (args.includes("--json")) {
    const settings = { concurrency: o.concurrency, listConcurrency: o.listConcurrency, pods: o.pods, durationMs: o.durationMs, warmupMs: o.warmupMs, watchers: o.watchers, watchEvents: o.watchEvents };
    process.stdout.write(`${JSON.stringify({ bench: "api", settings, ...figures, ratio: ratios(o, figures) })}\n`);
  } else {
    process.stdout.write(formatTable(o, figures));
  }
  return 0;
}

// A bench can be run on its own too: `node --import tsx test/bench/api.ts --quick`.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
