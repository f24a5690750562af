// A store member's Prometheus metrics, under etcd's names where etcd has the
// same figure (etcd_server_*, etcd_disk_wal_fsync_duration_seconds) and
// skiff_raft_* for Raft's own indexes. As in etcd, proposals committed and
// applied are gauges of the indexes. A registry per member: tests run
// several members in one process.
import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** What the gauges read from the member when scraped. */
export interface RaftView {
  isLeader(): boolean;
  leader(): number;
  term(): number;
  commitIndex(): number;
  appliedIndex(): number;
  pendingProposals(): number;
}

// etcd's buckets for WAL fsync: 1 ms doubling to about 8 s.
const fsyncBuckets = Array.from({ length: 14 }, (_, i) => 0.001 * 2 ** i);

export class StoreMetrics {
  readonly registry = new Registry();
  private readonly leaderChanges: Counter;
  private readonly proposalsFailed: Counter;
  private readonly walFsync: Histogram;
  private lastLeader = 0;

  constructor(view: RaftView) {
    const registers = [this.registry];
    const gauge = (name: string, help: string, read: () => number): void => {
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    };
    gauge("etcd_server_has_leader", "Whether or not a leader exists. 1 is existence, 0 is not.", () => (view.leader() === 0 ? 0 : 1));
    gauge("etcd_server_is_leader", "Whether or not this member is a leader. 1 if is, 0 otherwise.", () => (view.isLeader() ? 1 : 0));
    gauge("etcd_server_proposals_committed_total", "The total number of consensus proposals committed.", () => view.commitIndex());
    gauge("etcd_server_proposals_applied_total", "The total number of consensus proposals applied.", () => view.appliedIndex());
    gauge("etcd_server_proposals_pending", "The current number of pending proposals to commit.", () => view.pendingProposals());
    gauge("skiff_raft_term", "The member's current Raft term.", () => view.term());
    gauge("skiff_raft_commit_index", "The highest log index known to be committed.", () => view.commitIndex());
    gauge("skiff_raft_applied_index", "The highest log index applied to the store.", () => view.appliedIndex());
    this.leaderChanges = new Counter({ name: "etcd_server_leader_changes_seen_total", help: "The number of leader changes seen.", registers });
    this.proposalsFailed = new Counter({ name: "etcd_server_proposals_failed_total", help: "The total number of failed proposals seen.", registers });
    this.walFsync = new Histogram({ name: "etcd_disk_wal_fsync_duration_seconds", help: "The latency distributions of fsync called by WAL.", buckets: fsyncBuckets, registers });
  }

  /** Raft's soft state changed: counts a new leader (not the loss of one), as etcd does. */
  leaderSeen(lead: number): void {
    if (lead !== 0 && lead !== this.lastLeader) this.leaderChanges.inc();
    if (lead !== 0) this.lastLeader = lead;
  }

  proposalFailed(): void {
    this.proposalsFailed.inc();
  }

  walFsynced(seconds: number): void {
    this.walFsync.observe(seconds);
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
