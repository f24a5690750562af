// The store benchmark's load generator: closed-loop clients (each sends its
// next request when the previous one returns) over a few HTTP/2 connections
// per member, pipelined as concurrent streams. It runs in a child process of
// its own (store-load-child.ts) so the orchestrator's work (member logs,
// cluster checks) never delays it, and it drives skiff and etcd identically.
import { keyOf, paths, PutFrames, rangeFrame, scanWatchResponse, watchCreateFrame } from "./grpc-wire.ts";
import { H2Connection } from "./h2-client.ts";

export interface LoadTarget {
  /** host:port of every member, the leader first: clients are dealt out round-robin from it. */
  endpoints: string[];
  /** HTTP/2 connections per member. */
  connections: number;
}

export type LoadJob =
  | ({ kind: "writes"; clients: number; warmupMs: number; durationMs: number; keyPrefix: number; keyBytes: number; valueBytes: number } & LoadTarget)
  | ({ kind: "fill"; keys: number; keyPrefix: number; keyBytes: number; valueBytes: number; clients: number } & LoadTarget)
  | ({ kind: "reads"; clients: number; warmupMs: number; durationMs: number; serializable: boolean; keys: number; keyPrefix: number; keyBytes: number } & LoadTarget)
  | ({ kind: "watch"; watchers: number; streams: number; events: number; writers: number; keyPrefix: number; keyBytes: number; valueBytes: number; timeoutMs: number } & LoadTarget);

export interface ThroughputResult {
  /** Calls that succeeded inside the measured window. */
  ops: number;
  /** Calls that succeeded over the whole phase, warm-up included (for CPU per call). */
  acked: number;
  errors: number;
  seconds: number;
  opsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export interface WatchResult {
  watchers: number;
  writes: number;
  delivered: number;
  expected: number;
  seconds: number;
  eventsPerSecond: number;
}

export type LoadResult = ThroughputResult | WatchResult | { keys: number };

/** Per-call deadline of the load phases: long, so a slow store shows up as latency, not errors. */
const callTimeoutMs = 10_000;

/** Latencies in ms, growing as needed. */
class Samples {
  private data = new Float64Array(1 << 16);
  length = 0;

  push(v: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }

  percentile(p: number): number {
    if (this.length === 0) return 0;
    const sorted = this.data.slice(0, this.length).sort();
    return sorted[Math.min(this.length - 1, Math.floor((p / 100) * this.length))]!;
  }
}

function channelsFor(t: LoadTarget): H2Connection[] {
  const out: H2Connection[] = [];
  for (let c = 0; c < t.connections; c++) for (const e of t.endpoints) out.push(new H2Connection(e));
  return out;
}

/**
 * Runs `clients` closed loops of `send` for warmup + duration and counts the
 * calls that complete inside the measured window (throughput and latency).
 */
async function closedLoop(
  channels: H2Connection[],
  clients: number,
  warmupMs: number,
  durationMs: number,
  request: (client: number) => { path: string; frame: Buffer },
): Promise<ThroughputResult> {
  await Promise.all(channels.map((c) => c.connect()));
  const samples = new Samples();
  let errors = 0;
  let acked = 0;
  const start = performance.now();
  const measureFrom = start + warmupMs;
  const measureTo = measureFrom + durationMs;
  let running = clients;
  return new Promise((resolve) => {
    const finish = (): void => {
      if (--running > 0) return;
      resolve({
        ops: samples.length,
        acked,
        errors,
        seconds: durationMs / 1000,
        opsPerSecond: samples.length / (durationMs / 1000),
        p50Ms: samples.percentile(50),
        p99Ms: samples.percentile(99),
      });
    };
    const issue = (client: number): void => {
      const { path, frame } = request(client);
      const sent = performance.now();
      channels[client % channels.length]!.unary(path, frame, callTimeoutMs, (ok) => {
        const now = performance.now();
        if (ok) acked++;
        if (now >= measureFrom && now <= measureTo) {
          if (ok) samples.push(now - sent);
          else errors++;
        }
        if (now >= measureTo) return finish();
        // A failing store (no leader yet) is retried a little later, not in a tight loop.
        if (ok) issue(client);
        else setTimeout(() => issue(client), 10);
      });
    };
    for (let i = 0; i < clients; i++) issue(i);
  });
}

async function writes(job: Extract<LoadJob, { kind: "writes" }>): Promise<ThroughputResult> {
  const channels = channelsFor(job);
  const frames = new PutFrames(job.keyBytes, Buffer.alloc(job.valueBytes, 0x61));
  let n = 0;
  try {
    return await closedLoop(channels, job.clients, job.warmupMs, job.durationMs, () => ({ path: paths.put, frame: frames.next(job.keyPrefix, n++) }));
  } finally {
    for (const c of channels) c.close();
  }
}

async function fill(job: Extract<LoadJob, { kind: "fill" }>): Promise<{ keys: number }> {
  const channels = channelsFor(job);
  await Promise.all(channels.map((c) => c.connect()));
  const frames = new PutFrames(job.keyBytes, Buffer.alloc(job.valueBytes, 0x62));
  let next = 0;
  let written = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const issue = (client: number): void => {
        if (next >= job.keys) {
          if (written === job.keys) resolve();
          return;
        }
        const n = next++;
        channels[client % channels.length]!.unary(paths.put, frames.next(job.keyPrefix, n), callTimeoutMs, (ok) => {
          if (!ok) return reject(new Error("fill: a put failed"));
          written++;
          if (written === job.keys) resolve();
          else issue(client);
        });
      };
      for (let i = 0; i < job.clients; i++) issue(i);
    });
  } finally {
    for (const c of channels) c.close();
  }
  return { keys: job.keys };
}

async function reads(job: Extract<LoadJob, { kind: "reads" }>): Promise<ThroughputResult> {
  const channels = channelsFor(job);
  const frames = Array.from({ length: job.keys }, (_, i) => rangeFrame(keyOf(job.keyBytes, job.keyPrefix, i), job.serializable));
  let n = 0;
  try {
    return await closedLoop(channels, job.clients, job.warmupMs, job.durationMs, () => ({ path: paths.range, frame: frames[n++ % frames.length]! }));
  } finally {
    for (const c of channels) c.close();
  }
}

/**
 * Opens `streams` watch streams (dealt out over the members) holding
 * `watchers` watches on one key range between them, then writes `events`
 * keys into that range and times how long until every watcher has seen every
 * event: events/s = watchers × events / that time.
 */
async function watch(job: Extract<LoadJob, { kind: "watch" }>): Promise<WatchResult> {
  const channels = channelsFor(job);
  await Promise.all(channels.map((c) => c.connect()));
  const rangeStart = Buffer.from([job.keyPrefix]);
  const rangeEnd = Buffer.from([job.keyPrefix + 1]);
  const expected = job.watchers * job.events;
  let created = 0;
  let delivered = 0;
  let onCreated: () => void = () => {};
  let onDelivered: () => void = () => {};
  const allCreated = new Promise<void>((resolve) => (onCreated = resolve));
  const allDelivered = new Promise<void>((resolve) => (onDelivered = resolve));
  const streams = [];
  try {
    for (let s = 0; s < job.streams; s++) {
      const stream = channels[s % channels.length]!.stream(
        paths.watch,
        (msg: Buffer) => {
          const r = scanWatchResponse(msg);
          if (r.created && ++created === job.watchers) onCreated();
          if (r.events > 0) {
            delivered += r.events;
            if (delivered >= expected) onDelivered();
          }
        },
        () => {},
      );
      streams.push(stream);
      const perStream = Math.floor(job.watchers / job.streams) + (s < job.watchers % job.streams ? 1 : 0);
      const create = watchCreateFrame(rangeStart, rangeEnd);
      for (let w = 0; w < perStream; w++) stream.write(create);
    }
    await withTimeout(allCreated, job.timeoutMs, `watch: only ${created} of ${job.watchers} watches were created`);
    // Writes go to the leader (the first channel); they are only the trigger.
    const frames = new PutFrames(job.keyBytes, Buffer.alloc(job.valueBytes, 0x63));
    const started = performance.now();
    let next = 0;
    let writesDone = 0;
    await new Promise<void>((resolve, reject) => {
      const issue = (): void => {
        if (next >= job.events) return;
        const n = next++;
        channels[0]!.unary(paths.put, frames.next(job.keyPrefix, n), callTimeoutMs, (ok) => {
          if (!ok) return reject(new Error("watch: a put failed"));
          if (++writesDone === job.events) resolve();
          else issue();
        });
      };
      for (let i = 0; i < job.writers; i++) issue();
    });
    const timedOut = await Promise.race([allDelivered.then(() => false), sleep(job.timeoutMs).then(() => true)]);
    const seconds = (performance.now() - started) / 1000;
    if (timedOut) process.stderr.write(`watch: ${delivered} of ${expected} events delivered before the timeout\n`);
    return { watchers: job.watchers, writes: job.events, delivered, expected, seconds, eventsPerSecond: delivered / seconds };
  } finally {
    for (const s of streams) s.close();
    for (const c of channels) c.close();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

async function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

export function runLoadJob(job: LoadJob): Promise<LoadResult> {
  switch (job.kind) {
    case "writes":
      return writes(job);
    case "fill":
      return fill(job);
    case "reads":
      return reads(job);
    case "watch":
      return watch(job);
  }
}
