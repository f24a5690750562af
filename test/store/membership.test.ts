// Membership changes on real `skiff store` processes, driven by Debian's
// etcdctl as an operator would: a fourth member added with `member add` and
// started with --initial-cluster-state=existing catches up from a snapshot
// (the leader has compacted its log); a learner receives data and is
// promoted; a follower and then the leader are removed, the cluster keeps
// serving and the removed processes exit.
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { freePorts } from "../support/ports.ts";
import { etcdctl, type MemberProcess } from "../support/store-cluster.ts";
import { type FaultCluster, firstWriteAfter, memberLogs, startFaultCluster, waitFor } from "./fault-kit.ts";

let fc: FaultCluster;
/** Keys written before any member joins: enough that the leader compacts its log past them. */
const preload = 7000;

before(async () => {
  fc = await startFaultCluster({ members: 3, heartbeatMs: 100, electionMs: 1000, snapshotCount: 1000 });
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async (_, w) => {
      for (let i = next++; i < preload; i = next++) await fc.client(fc.cluster.members[w % 3]!).put(`pre/${i}`, `v${i}`, 10_000);
    }),
  );
});

after(async () => {
  await fc?.stop();
});

function ctl(args: string[]): string {
  const r = etcdctl(fc.cluster.endpoints(), args);
  assert.equal(r.status, 0, `etcdctl ${args.join(" ")}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

interface ListedMember {
  id: string;
  name: string;
  peerUrl: string;
  isLearner: boolean;
}

function memberList(): ListedMember[] {
  return ctl(["member", "list"])
    .trim()
    .split("\n")
    .map((line) => {
      const [id, , name, peerUrl, , isLearner] = line.split(", ");
      return { id: id!, name: name!, peerUrl: peerUrl!, isLearner: isLearner === "true" };
    });
}

/** A member process that the cluster does not run yet, with data under the cluster's root (removed with it). */
async function newMember(name: string): Promise<MemberProcess> {
  const [client, peer, metrics] = await freePorts(3);
  const m: MemberProcess = {
    name,
    clientUrl: `http://127.0.0.1:${client}`,
    peerUrl: `http://127.0.0.1:${peer}`,
    metricsUrl: `http://127.0.0.1:${metrics}`,
    dataDir: join(dirname(fc.cluster.members[0]!.dataDir), name),
    proc: undefined,
    log: [],
  };
  fc.cluster.members.push(m);
  return m;
}

/** `etcdctl member add`, then starts the member with the environment etcdctl printed for it. */
async function addMember(name: string, learner: boolean): Promise<{ m: MemberProcess; id: string }> {
  const m = await newMember(name);
  const out = ctl(["member", "add", name, `--peer-urls=${m.peerUrl}`, ...(learner ? ["--learner"] : [])]);
  const id = /Member\s+([0-9a-f]+) added/.exec(out)?.[1];
  const initialCluster = /ETCD_INITIAL_CLUSTER="([^"]+)"/.exec(out)?.[1];
  assert.ok(id !== undefined && initialCluster !== undefined, `etcdctl member add printed:\n${out}`);
  assert.match(out, /ETCD_INITIAL_CLUSTER_STATE="existing"/);
  fc.cluster.launch(m, "existing", initialCluster);
  return { m, id };
}

async function servesLatest(m: MemberProcess, key: string, value: string, timeoutMs = 30_000): Promise<number> {
  const started = performance.now();
  await waitFor(
    `${m.name} serves ${key}=${value}`,
    async () => {
      try {
        return (await fc.client(m).get(key, { serializable: true, timeoutMs: 1000 })).value === value ? true : undefined;
      } catch {
        return undefined;
      }
    },
    timeoutMs,
    50,
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n${memberLogs(fc.cluster)}`);
  });
  return performance.now() - started;
}

function installedSnapshot(m: MemberProcess): { index: number; previousApplied: number } | undefined {
  return m.log
    .join("")
    .split("\n")
    .filter((l) => l.includes('"installed snapshot"'))
    .map((l) => JSON.parse(l) as { index: number; previousApplied: number })
    .find((s) => s.index > s.previousApplied);
}

async function exits(m: MemberProcess, timeoutMs = 15_000): Promise<void> {
  await waitFor(`${m.name} exits`, () => (m.proc === undefined ? true : undefined), timeoutMs).catch((err: Error) => {
    throw new Error(`${err.message}\n${m.log.join("").slice(-3000)}`);
  });
}

test("a fourth member added with `member add` catches up from a snapshot", async () => {
  await fc.client("m1").put("latest", "before-m4");
  const { m } = await addMember("m4", false);
  const ms = await servesLatest(m, "latest", "before-m4");
  await fc.client("m2").put("latest", "after-m4");
  await servesLatest(m, "latest", "after-m4");
  assert.equal((await fc.client(m).get(`pre/${preload - 1}`, { serializable: true })).value, `v${preload - 1}`);
  const snap = installedSnapshot(m);
  assert.ok(snap !== undefined, `m4 caught up without a snapshot:\n${m.log.join("").slice(-3000)}`);
  const listed = memberList().find((x) => x.name === "m4");
  assert.ok(listed !== undefined && !listed.isLearner, `member list shows m4 as a voter: ${JSON.stringify(memberList())}`);
  console.log(`# m4 joined and served the latest write ${ms.toFixed(0)} ms after start (process start included); snapshot at index ${snap.index}`);
  await fc.waitServing();
});

test("a learner receives data and is promoted with `member promote`", async () => {
  const { m, id } = await addMember("m5", true);
  await servesLatest(m, "latest", "after-m4");
  assert.equal(memberList().find((x) => x.id === id)?.isLearner, true, "m5 is a learner before promotion");
  await fc.client("m1").put("latest", "learner-sees-this");
  await servesLatest(m, "latest", "learner-sees-this");
  // etcd promotes only a learner in sync with the leader: retry until it is.
  await waitFor("member promote succeeds", () => (etcdctl(fc.cluster.endpoints(), ["member", "promote", id]).status === 0 ? true : undefined), 20_000, 250);
  assert.equal(memberList().find((x) => x.id === id)?.isLearner, false, "m5 is a voter after promotion");
  await fc.client(m).put("latest", "written-through-m5", 5000);
  await servesLatest(fc.cluster.member("m1"), "latest", "written-through-m5");
  console.log("# learner m5 caught up and was promoted to voter");
});

test("followers (one of them down) and then the leader are removed: the cluster keeps serving and the removed processes exit", async () => {
  const lead = await waitFor("a leader", () => fc.leader());
  const [follower, sleeper] = fc.cluster.members.filter((m) => m.proc !== undefined && m !== lead);
  assert.ok(follower !== undefined && sleeper !== undefined);
  const idOf = (m: MemberProcess): string => {
    const x = memberList().find((l) => l.name === m.name);
    assert.ok(x !== undefined, `${m.name} in member list`);
    return x.id;
  };

  ctl(["member", "remove", idOf(follower)]);
  await exits(follower);
  assert.equal(
    memberList().some((x) => x.name === follower.name),
    false,
  );

  // Removed while down: on restart its old peers refuse it and it stops.
  await fc.cluster.kill(sleeper.name);
  ctl(["member", "remove", idOf(sleeper)]);
  await fc.client(lead).put("latest", "after-followers-removed");
  const from = sleeper.log.length;
  fc.cluster.restart(sleeper.name);
  await exits(sleeper, 20_000);
  const why = sleeper.log
    .slice(from)
    .join("")
    .split("\n")
    .find((l) => l.includes("removed from the cluster"));
  assert.ok(why !== undefined, `the restarted removed member says why it stops:\n${sleeper.log.slice(from).join("").slice(-3000)}`);
  console.log(`# ${sleeper.name}, removed while down and restarted, stopped: ${(JSON.parse(why) as { msg: string }).msg}`);

  const survivors = fc.cluster.members.filter((m) => m.proc !== undefined && m !== lead);
  assert.equal(survivors.length, 2);
  const removedAt = performance.now();
  ctl(["member", "remove", idOf(lead)]);
  const serving = await firstWriteAfter(fc, survivors, removedAt);
  await fc.client(survivors[0]!).put("latest", "after-leader-removed", 5000);
  await exits(lead);
  const newLead = await waitFor("a new leader", () => fc.leader());
  assert.notEqual(newLead.name, lead.name);
  for (const m of survivors) await servesLatest(m, "latest", "after-leader-removed");
  assert.deepEqual(
    memberList()
      .map((x) => x.name)
      .sort(),
    survivors.map((m) => m.name).sort(),
  );
  console.log(`# removed ${follower.name}, ${sleeper.name} and the leader ${lead.name}; all exited; first write ${serving.toFixed(0)} ms after etcdctl member remove of the leader (new leader ${newLead.name})`);
});
