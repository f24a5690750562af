// Fault tests on real `skiff store` processes on loopback: kill -9 of the
// leader under load, kill -9 of every member under load, a member that was
// down for 10,000 writes catching up by snapshot, and a partitioned minority
// (through the transport's fault file) that neither writes nor serves a
// stale linearizable read. One 3-member cluster with --snapshot-count=1000
// serves every test; each test leaves it healthy for the next.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:net";
import { after, before, test } from "node:test";
import { EtcdRpcError } from "../support/etcd-client.ts";
import { etcdctl, type MemberProcess } from "../support/store-cluster.ts";
import { type FaultCluster, firstWriteAfter, hostPort, memberLogs, sleep, startFaultCluster, waitFor, WriteLoad } from "./fault-kit.ts";

let fc: FaultCluster;

before(async () => {
  fc = await startFaultCluster({ members: 3, heartbeatMs: 100, electionMs: 1000, snapshotCount: 1000 });
});

after(async () => {
  await fc?.stop();
});

/** Every member running and connected (whatever an earlier failed test left), and the leader. */
async function healthyLeader(): Promise<MemberProcess> {
  fc.partitions.heal();
  for (const m of fc.cluster.members) if (m.proc === undefined) fc.cluster.restart(m.name);
  await fc.waitServing();
  return waitFor("a leader", () => fc.leader());
}

test("kill -9 of the leader under write load: a new leader is elected and writes resume", async () => {
  const old = await healthyLeader();
  const load = new WriteLoad(fc, "a", 8);
  try {
    await waitFor("writes flowing", () => (load.acked.length >= 200 ? true : undefined), 15_000);
    const survivors = fc.cluster.members.filter((m) => m !== old);
    const killedAt = performance.now();
    await fc.cluster.kill(old.name);
    const failoverMs = await firstWriteAfter(fc, survivors, killedAt);
    // The load's own writes resume too, once those lost with the old leader have timed out.
    const before = load.acked.length;
    await waitFor("the write load resumes", () => (load.acked.length >= before + 200 ? true : undefined), 15_000);
    const resumedMs = performance.now() - killedAt;
    const lead = await waitFor("a new leader", () => fc.leader());
    assert.notEqual(lead.name, old.name);
    console.log(
      `# failover: killed leader ${old.name}; first successful write ${failoverMs.toFixed(0)} ms after kill -9; new leader ${lead.name}; the 8-writer load (2 s client timeout) back to 200 more writes after ${resumedMs.toFixed(0)} ms`,
    );
  } finally {
    await load.stop();
  }
  fc.cluster.restart(old.name);
  await fc.waitServing();
});

test("a leader stopped with SIGTERM hands leadership over first", async () => {
  const old = await healthyLeader();
  const survivors = fc.cluster.members.filter((m) => m !== old);
  const from = old.log.length;
  const proc = old.proc!;
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  const stoppedAt = performance.now();
  proc.kill("SIGTERM");
  const firstMs = await firstWriteAfter(fc, survivors, stoppedAt);
  assert.equal(await exited, 0, "exit code after SIGTERM");
  assert.match(old.log.slice(from).join(""), /handing leadership over before stopping/);
  const lead = await waitFor("a new leader", () => fc.leader());
  console.log(`# SIGTERM to leader ${old.name}: leadership handed to ${lead.name}; first write ${firstMs.toFixed(0)} ms after the signal`);
  fc.cluster.restart(old.name);
  await fc.waitServing();
});

/** Whether a call failed the way an unavailable member fails: no answer, timeout, no leader. */
function isUnavailable(err: unknown): boolean {
  return err instanceof EtcdRpcError && [4, 14].includes(err.code); // DEADLINE_EXCEEDED, UNAVAILABLE
}

for (const role of ["leader", "follower"] as const) {
  test(`an isolated ${role} cannot write and serves no stale linearizable read`, async () => {
    const lead = await healthyLeader();
    const isolated = role === "leader" ? lead : fc.cluster.members.find((m) => m.name !== lead.name)!;
    const majority = fc.cluster.members.filter((m) => m !== isolated);
    const key = `d/${role}`;
    await fc.client(lead).put(key, "before");
    // The isolated member has applied "before": its serializable reads see it.
    await waitFor("isolated member applied the first write", async () => ((await fc.client(isolated).get(key, { serializable: true })).value === "before" ? true : undefined));

    fc.partitions.isolate([isolated]);
    await fc.partitions.settle();
    try {
      const wrote = performance.now();
      await waitFor("the majority acknowledges a write", async () => {
        for (const m of majority) {
          try {
            await fc.client(m).put(key, "after", 2000);
            return true;
          } catch {
            // No leader on this side yet.
          }
        }
        return undefined;
      });
      console.log(`# isolated ${role} ${isolated.name}: the majority acknowledged a write ${(performance.now() - wrote).toFixed(0)} ms after the cut`);

      const read = await fc.client(isolated).get(key, { timeoutMs: 3000 }).then(
        (r) => r.value,
        (err: unknown) => err,
      );
      // Even "after" would be wrong here: an isolated member cannot confirm a read index with the majority.
      assert.ok(isUnavailable(read), `a linearizable read on the isolated member must fail, got ${JSON.stringify(read)}`);
      const write = await fc.client(isolated).put(`${key}/minority`, "x", 3000).then(
        () => "ok",
        (err: unknown) => err,
      );
      assert.ok(isUnavailable(write), `a write to the isolated member must fail, got ${String(write)}`);
      const stale = await fc.client(isolated).get(key, { serializable: true });
      console.log(`# isolated ${role}: linearizable read failed (${(read as EtcdRpcError).message}), write failed, serializable read gave ${JSON.stringify(stale.value)} (may be stale)`);
    } finally {
      fc.partitions.heal();
      await fc.partitions.settle();
    }
    await waitFor("the healed member serves the latest value", async () => {
      try {
        return (await fc.client(isolated).get(key, { timeoutMs: 2000 })).value === "after" ? true : undefined;
      } catch {
        return undefined;
      }
    });
    const minority = await fc.client(lead.name === isolated.name ? majority[0]! : lead).get(`${key}/minority`);
    assert.equal(minority.value, null, "the write sent to the isolated member never took effect");
  });
}

test("a member down for 10,000 writes catches up by snapshot", async () => {
  const lead = await healthyLeader();
  const down = fc.cluster.members.find((m) => m.name !== lead.name)!;
  const up = fc.cluster.members.filter((m) => m !== down);
  await fc.cluster.kill(down.name);
  const total = 10_000;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 64 }, async (_, w) => {
      for (let i = next++; i < total; i = next++) {
        const key = `c/${String(i).padStart(5, "0")}`;
        await retry(() => fc.client(up[(w + i) % up.length]!).put(key, `v${i}`));
      }
    }),
  );
  console.log(`# wrote ${total} keys in ${(performance.now() - started).toFixed(0)} ms while ${down.name} was down`);
  const logFrom = down.log.length;
  const restartedAt = performance.now();
  fc.cluster.restart(down.name);
  const last = `c/${String(total - 1).padStart(5, "0")}`;
  await waitFor(
    `${down.name} serves the last write`,
    async () => {
      try {
        return (await fc.client(down).get(last, { serializable: true, timeoutMs: 1000 })).value === `v${total - 1}` ? true : undefined;
      } catch {
        return undefined;
      }
    },
    60_000,
    50,
  );
  const catchUpMs = performance.now() - restartedAt;
  const count = etcdctl(hostPort(down), ["get", "c/", "--prefix", "--limit=1", "--consistency=s", "-w", "json"]);
  assert.equal(count.status, 0, count.stderr);
  assert.equal((JSON.parse(count.stdout) as { count: number }).count, total, "every key is on the restarted member");
  const installed = down.log
    .slice(logFrom)
    .join("")
    .split("\n")
    .filter((l) => l.includes('"installed snapshot"'))
    .map((l) => JSON.parse(l) as { index: number; previousApplied: number });
  const jump = installed.find((s) => s.index - s.previousApplied >= total / 2);
  assert.ok(jump !== undefined, `${down.name} installed a snapshot from the leader: ${JSON.stringify(installed)}\n${memberLogs(fc.cluster)}`);
  console.log(
    `# ${down.name} caught up in ${catchUpMs.toFixed(0)} ms (process start included) by a snapshot: applied index ${jump.previousApplied} → ${jump.index}`,
  );
});

async function retry<T>(fn: () => Promise<T>, attempts = 50): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts) throw err;
      await sleep(100);
    }
  }
}

test("kill -9 of every member under write load: every acknowledged write survives", async () => {
  await healthyLeader();
  const load = new WriteLoad(fc, "b", 16);
  await waitFor("writes flowing", () => (load.acked.length >= 500 ? true : undefined), 15_000);
  await sleep(500);
  await Promise.all(fc.cluster.members.map((m) => fc.cluster.kill(m.name)));
  await load.stop();
  const acked = [...load.acked];
  for (const m of fc.cluster.members) fc.cluster.restart(m.name);
  const restartedAt = performance.now();
  await fc.waitServing();
  console.log(`# all members killed after ${acked.length} acknowledged writes; healthy again ${(performance.now() - restartedAt).toFixed(0)} ms after restart`);
  const missing: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async (_, w) => {
      for (let i = next++; i < acked.length; i = next++) {
        const a = acked[i]!;
        const got = await retry(() => fc.client(fc.cluster.members[w % 3]!).get(a.key));
        if (got.value !== a.value) missing.push(`${a.key}=${a.value} (got ${got.value})`);
      }
    }),
  );
  assert.deepEqual(missing.slice(0, 20), [], `${missing.length} of ${acked.length} acknowledged writes lost`);
  console.log(`# all ${acked.length} acknowledged writes present after kill -9 of every member`);
});

for (const port of ["client", "peer"] as const) {
  test(`a member that cannot bind its ${port} URL exits with an error instead of hanging`, async () => {
    const lead = await healthyLeader();
    const m = fc.cluster.members.find((x) => x.name !== lead.name)!;
    await fc.cluster.kill(m.name);
    const url = new URL(port === "client" ? m.clientUrl : m.peerUrl);
    // Holds the port; connections (our own clients retrying) are cut so that close() returns.
    const squatter: Server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      squatter.once("error", reject);
      squatter.listen(Number(url.port), url.hostname, resolve);
    });
    try {
      const from = m.log.length;
      fc.cluster.restart(m.name);
      const code = await new Promise<number | null>((resolve) => m.proc!.once("exit", (c) => resolve(c)));
      assert.notEqual(code, 0, "exit code");
      assert.equal(m.proc, undefined);
      const said = m.log.slice(from).join("");
      assert.match(said, /could not (start|serve clients)/, said.slice(-2000));
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
    fc.cluster.restart(m.name);
    await fc.waitServing();
  });
}
