// /metrics of a store member on --listen-metrics-urls, on skiff's store and on
// etcd 3.4 with the same flags: the etcd metric names skiff keeps mean the
// same thing on both, and they move when a write commits.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sample } from "../support/metrics.ts";
import { etcdctl, StoreCluster, type StoreKind } from "../support/store-cluster.ts";

async function scrape(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/plain/);
  return res.text();
}

for (const kind of ["skiff", "etcd"] as StoreKind[]) {
  describe(`store metrics on ${kind}`, () => {
    let cluster: StoreCluster;
    before(async () => {
      cluster = await StoreCluster.start({ kind, members: 3 });
    });
    after(async () => {
      await cluster.stop();
    });

    test("leader, proposals and WAL fsyncs under etcd's names, moving with a put", async () => {
      const leaderName = cluster.leader();
      assert.ok(leaderName !== undefined);
      const leader = cluster.member(leaderName);
      const follower = cluster.members.find((m) => m.name !== leaderName)!;
      const before = await scrape(leader.metricsUrl);
      assert.match(before, /^# TYPE etcd_disk_wal_fsync_duration_seconds histogram$/m);
      assert.equal(sample(before, "etcd_server_is_leader"), 1);
      assert.equal(sample(before, "etcd_server_has_leader"), 1);
      assert.ok(sample(before, "etcd_server_leader_changes_seen_total") >= 1, before);
      const committed = sample(before, "etcd_server_proposals_committed_total");
      assert.ok(committed >= 1, before);

      for (let i = 0; i < 3; i++) assert.equal(etcdctl(cluster.endpoints([leader]), ["put", `metrics-${i}`, "v"]).status, 0);
      const after = await scrape(leader.metricsUrl);
      assert.ok(sample(after, "etcd_server_proposals_committed_total") >= committed + 3, after);
      assert.ok(sample(after, "etcd_server_proposals_applied_total") >= committed + 3, after);
      assert.ok(sample(after, "etcd_disk_wal_fsync_duration_seconds_count") > sample(before, "etcd_disk_wal_fsync_duration_seconds_count"), after);
      assert.ok(sample(after, "etcd_server_proposals_pending") >= 0);
      assert.ok(sample(after, "etcd_server_proposals_failed_total") >= 0);

      const f = await scrape(follower.metricsUrl);
      assert.equal(sample(f, "etcd_server_is_leader"), 0);
      assert.equal(sample(f, "etcd_server_has_leader"), 1);
      if (kind === "skiff") {
        assert.ok(sample(after, "skiff_raft_term") >= 1, after);
        assert.equal(sample(after, "skiff_raft_commit_index"), sample(after, "etcd_server_proposals_committed_total"));
        assert.ok(sample(after, "skiff_raft_applied_index") >= committed + 3, after);
      }
      const health = await fetch(`${leader.metricsUrl}/health`);
      assert.equal(health.status, 200);
      await health.text();
    });
  });
}
