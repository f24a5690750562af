// The Cluster service: membership changes go through Raft one at a time as
// conf change entries carrying the member's URLs; the answer waits until the
// change is applied here.
import { ConfChangeType } from "../../raft/index.ts";
import { etcdErrors } from "../errors.ts";
import { memberId } from "../member-id.ts";
import { encodeMemberInfo, type MemberInfo } from "../member/cluster-state.ts";
import type { StoreMember } from "../member/store-member.ts";
import { plain } from "../proto-plain.ts";
import { etcdserverpb as pb } from "./etcd-services.ts";
import { unary } from "./unary.ts";

function toPb(m: MemberInfo): pb.Member.$Properties {
  return { ID: m.id, name: m.name, peerURLs: m.peerUrls, clientURLs: m.clientUrls, isLearner: m.isLearner };
}

function parsePeerUrls(urls: string[] | undefined): string[] {
  if (urls === undefined || urls.length === 0) throw etcdErrors.memberBadUrls();
  return urls.map((u) => {
    try {
      const url = new URL(u);
      if ((url.protocol !== "http:" && url.protocol !== "https:") || url.port === "") throw new Error("bad");
      return url.origin;
    } catch {
      throw etcdErrors.memberBadUrls();
    }
  });
}

export function clusterHandlers(member: StoreMember) {
  const members = (): pb.Member.$Properties[] => member.machine.cluster.list().map(toPb);

  const change = async (type: ConfChangeType, nodeId: number, info?: MemberInfo): Promise<void> => {
    const applied = member.waitForConfChange(type, nodeId);
    try {
      member.runner.raw.proposeConfChange(info === undefined ? { type, nodeId } : { type, nodeId, context: encodeMemberInfo(info) });
    } catch {
      throw etcdErrors.noLeader();
    }
    member.runner.notify();
    await applied;
  };

  member.handleOnLeader("MemberPromote", async (bytes) => {
    const id = Number(pb.MemberPromoteRequest.decode(bytes).ID);
    const m = member.machine.cluster.members.get(id);
    if (m === undefined) throw etcdErrors.memberNotFound();
    if (!m.isLearner) throw etcdErrors.notLearner();
    // Only a learner that has (nearly) caught up may vote: etcd asks for 90% of the leader's log.
    const pr = member.runner.raw.raft.trk.progress.get(id);
    const last = member.runner.raw.raft.raftLog.lastIndex();
    if (pr === undefined || pr.match < 0.9 * last) throw etcdErrors.learnerNotReady();
    await change(ConfChangeType.AddNode, id);
    return pb.MemberPromoteResponse.encode({ header: member.header(), members: members() }).finish();
  });

  return {
    memberList: unary(async (raw: unknown) => {
      if (plain<{ linearizable?: boolean }>(raw).linearizable === true) await member.linearizable();
      return { header: member.header(), members: members() };
    }),
    memberAdd: unary(async (raw: unknown) => {
      const req = plain<{ peerURLs?: string[]; isLearner?: boolean }>(raw);
      const peerUrls = parsePeerUrls(req.peerURLs);
      const taken = new Set(member.machine.cluster.list().flatMap((m) => m.peerUrls));
      if (peerUrls.some((u) => taken.has(u))) throw etcdErrors.peerUrlExists();
      const isLearner = req.isLearner === true;
      if (!isLearner) {
        // Adding a voter must not leave the cluster without a quorum of started members.
        const list = member.machine.cluster.list().filter((m) => !m.isLearner);
        const started = list.filter((m) => m.name !== "").length;
        if (started < Math.floor((list.length + 1) / 2) + 1) throw etcdErrors.notEnoughStarted();
      }
      const id = memberId(peerUrls.map((u) => new URL(u)), member.flags.initialClusterToken, Date.now());
      if (member.machine.cluster.members.has(id) || member.machine.cluster.removed.has(id)) throw etcdErrors.memberExists();
      const info: MemberInfo = { id, name: "", peerUrls, clientUrls: [], isLearner };
      await change(isLearner ? ConfChangeType.AddLearnerNode : ConfChangeType.AddNode, id, info);
      return { header: member.header(), member: toPb(info), members: members() };
    }),
    memberRemove: unary(async (raw: unknown) => {
      const id = plain<{ ID?: number }>(raw).ID ?? 0;
      if (!member.machine.cluster.members.has(id)) throw etcdErrors.memberNotFound();
      await change(ConfChangeType.RemoveNode, id);
      return { header: member.header(), members: members() };
    }),
    memberUpdate: unary(async (raw: unknown) => {
      const req = plain<{ ID?: number; peerURLs?: string[] }>(raw);
      const id = req.ID ?? 0;
      const current = member.machine.cluster.members.get(id);
      if (current === undefined) throw etcdErrors.memberNotFound();
      await change(ConfChangeType.UpdateNode, id, { ...current, peerUrls: parsePeerUrls(req.peerURLs) });
      return { header: member.header(), members: members() };
    }),
    memberPromote: unary(async (raw: pb.MemberPromoteRequest) =>
      pb.MemberPromoteResponse.decode(await member.onLeader("MemberPromote", pb.MemberPromoteRequest.encode(raw).finish())),
    ),
  };
}
