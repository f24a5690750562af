// The Maintenance service: status (leader, term, indices, size), alarms (none
// are raised: the store has no space quota), defragment (nothing to do in
// memory), hashes for comparing members, and leadership transfer.
import { etcdErrors } from "../errors.ts";
import type { StoreMember } from "../member/store-member.ts";
import { plain } from "../proto-plain.ts";
import { unary } from "./unary.ts";

/** The version skiff reports: the etcd API level it serves, marked as skiff. */
export const serverVersion = "3.4.0-skiff";

export function maintenanceHandlers(member: StoreMember) {
  let sizeCache = { at: -Infinity, bytes: 0 };
  const dbSize = (): number => {
    // Measuring means serializing the state; do it at most every ten seconds.
    if (performance.now() - sizeCache.at > 10_000) sizeCache = { at: performance.now(), bytes: member.machine.mvcc.snapshot().byteLength };
    return sizeCache.bytes;
  };

  return {
    status: unary(async () => {
      const raft = member.runner.raw.raft;
      const size = dbSize();
      return {
        header: member.header(),
        version: serverVersion,
        dbSize: size,
        leader: raft.lead,
        raftIndex: raft.raftLog.committed,
        raftTerm: raft.term,
        raftAppliedIndex: raft.raftLog.applied,
        errors: [],
        dbSizeInUse: size,
        isLearner: raft.isLearner,
      };
    }),
    alarm: unary(async () => ({ header: member.header(), alarms: [] })),
    defragment: unary(async () => ({ header: member.header() })),
    hash: unary(async () => ({ header: member.header(), hash: member.machine.mvcc.hashKV(0).hash })),
    hashKV: unary(async (raw: unknown) => {
      const h = member.machine.mvcc.hashKV(plain<{ revision?: number }>(raw).revision ?? 0);
      return { header: member.header(), hash: h.hash, compactRevision: h.compactRevision, hashRevision: h.hashRevision };
    }),
    snapshot: (call: { destroy(err: Error): void }) => {
      call.destroy(etcdErrors.unimplemented("snapshot save (a bbolt database file)"));
    },
    moveLeader: unary(async (raw: unknown) => {
      const target = plain<{ targetID?: number }>(raw).targetID ?? 0;
      if (!member.isLeader()) throw etcdErrors.notLeader();
      const pr = member.runner.raw.raft.trk.progress.get(target);
      if (pr === undefined || pr.isLearner) throw etcdErrors.badLeaderTransferee();
      member.runner.raw.transferLeader(target);
      member.runner.notify();
      const deadline = performance.now() + 2 * member.flags.electionTimeoutMs + 1000;
      while (performance.now() < deadline) {
        if (member.leader() === target) return { header: member.header() };
        await new Promise((r) => setTimeout(r, 20));
      }
      throw etcdErrors.timeout();
    }),
  };
}
