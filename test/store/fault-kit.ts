// What the store's fault, membership and Jepsen-style tests share: a skiff
// cluster whose members read a fault file (SKIFF_STORE_FAULTS, see
// control-plane/store/transport/fault-file.ts), partitions written to it,
// clients per member, a write load that records what was acknowledged, and
// polling helpers. Only loopback addresses are ever used.
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EtcdClient } from "../support/etcd-client.ts";
import { type ClusterOptions, type MemberProcess, StoreCluster } from "../support/store-cluster.ts";

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

/**
 * The fault file every member of a cluster polls. A member cuts off each peer
 * the file lists, so listing a member isolates it from all the others.
 */
export class Partitions {
  readonly dir = mkdtempSync(join(tmpdir(), "skiff-faults-"));
  readonly path = join(this.dir, "faults.json");

  isolate(members: readonly MemberProcess[]): void {
    this.write(members.map((m) => m.peerUrl));
  }

  heal(): void {
    this.write([]);
  }

  private write(blocked: string[]): void {
    // Atomically, so a member never reads half a file.
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, JSON.stringify({ blocked }));
    renameSync(tmp, this.path);
  }

  /** Members poll every 100 ms: after this, every live member has seen the last change. */
  settle(): Promise<void> {
    return sleep(300);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface FaultCluster {
  cluster: StoreCluster;
  partitions: Partitions;
  clients: Map<string, EtcdClient>;
  client(m: MemberProcess | string): EtcdClient;
  /** The live member that leads now, asked of the members themselves. */
  leader(): Promise<MemberProcess | undefined>;
  /**
   * Waits until every running member (or those given) answers a linearizable
   * read, without blocking the event loop as etcdctl's health check would.
   */
  waitServing(members?: readonly MemberProcess[], timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export const hostPort = (m: MemberProcess): string => m.clientUrl.replace("http://", "");

export async function startFaultCluster(options: Omit<ClusterOptions, "kind">): Promise<FaultCluster> {
  const partitions = new Partitions();
  partitions.heal();
  let cluster: StoreCluster;
  try {
    cluster = await StoreCluster.start({ kind: "skiff", ...options, env: { ...options.env, SKIFF_STORE_FAULTS: partitions.path } });
  } catch (err) {
    partitions.remove();
    throw err;
  }
  const clients = new Map<string, EtcdClient>();
  const client = (m: MemberProcess | string): EtcdClient => {
    const member = typeof m === "string" ? cluster.member(m) : m;
    let c = clients.get(member.name);
    if (c === undefined) {
      c = new EtcdClient(hostPort(member), 3000);
      clients.set(member.name, c);
    }
    return c;
  };
  return {
    cluster,
    partitions,
    clients,
    client,
    async leader() {
      for (const m of cluster.members.filter((x) => x.proc !== undefined)) {
        try {
          const s = await client(m).status(1000);
          if (s.leader !== 0 && s.leader === s.memberId) return m;
        } catch {
          // Down or cut off: ask the next one.
        }
      }
      return undefined;
    },
    async waitServing(members = cluster.members.filter((m) => m.proc !== undefined), timeoutMs = 30_000) {
      const serving = async (m: MemberProcess): Promise<boolean> => {
        try {
          await client(m).get("health", { timeoutMs: 1000 });
          return true;
        } catch {
          return false;
        }
      };
      try {
        await waitFor("every member serving", async () => ((await Promise.all(members.map(serving))).every(Boolean) ? true : undefined), timeoutMs);
      } catch (err) {
        throw new Error(`${(err as Error).message}\n${memberLogs(cluster)}`, { cause: err });
      }
    },
    async stop() {
      for (const c of clients.values()) c.close();
      try {
        await cluster.stop();
      } finally {
        partitions.remove();
      }
    },
  };
}

/**
 * Milliseconds from `t` to the first write acknowledged by a survivor: a
 * probe put goes out every 25 ms with a short deadline, as a client retrying
 * through the survivors would send it, so a write lost with the old leader
 * does not hold the figure back by a whole client timeout.
 */
export async function firstWriteAfter(fc: FaultCluster, survivors: readonly MemberProcess[], t: number): Promise<number> {
  let first: number | undefined;
  const probes: Promise<void>[] = [];
  for (let i = 0; first === undefined; i++) {
    if (performance.now() - t > 20_000) throw new Error(`no write succeeded within 20 s\n${memberLogs(fc.cluster)}`);
    probes.push(
      fc
        .client(survivors[i % survivors.length]!)
        .put(`probe/${i}`, "x", 1000)
        .then(
          () => void (first ??= performance.now() - t),
          () => {},
        ),
    );
    await sleep(25);
  }
  await Promise.all(probes);
  return first;
}

/** The last lines of every member's log, for assertion messages. */
export function memberLogs(cluster: StoreCluster, chars = 1500): string {
  return cluster.members.map((m) => `--- ${m.name}\n${m.log.join("").slice(-chars)}`).join("\n");
}

export interface AckedWrite {
  key: string;
  value: string;
  /** performance.now() when the client sent it. */
  calledAt: number;
  /** performance.now() when the client got OK. */
  at: number;
}

/**
 * Writers putting distinct keys, each worker on a member of its own, moving
 * to the next member when its member fails it. Records every acknowledged write.
 */
export class WriteLoad {
  readonly acked: AckedWrite[] = [];
  failures = 0;
  private running = true;
  private readonly workers: Promise<void>[] = [];

  constructor(
    private readonly fc: FaultCluster,
    readonly prefix: string,
    workers: number,
    private readonly timeoutMs = 2000,
  ) {
    for (let w = 0; w < workers; w++) this.workers.push(this.work(w));
  }

  private async work(w: number): Promise<void> {
    const members = this.fc.cluster.members;
    let target = w % members.length;
    for (let i = 0; this.running; i++) {
      const m = members[target % members.length]!;
      const key = `${this.prefix}/${w}/${i}`;
      const value = `v${w}-${i}`;
      const calledAt = performance.now();
      try {
        if (m.proc === undefined) throw new Error("member down");
        await this.fc.client(m).put(key, value, this.timeoutMs);
        this.acked.push({ key, value, calledAt, at: performance.now() });
      } catch {
        this.failures++;
        target++;
        await sleep(20);
      }
    }
  }

  /** The first acknowledged write that was sent after `t` (performance.now()). */
  firstAckAfter(t: number): AckedWrite | undefined {
    let first: AckedWrite | undefined;
    for (const a of this.acked) if (a.calledAt > t && (first === undefined || a.at < first.at)) first = a;
    return first;
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers);
  }
}
