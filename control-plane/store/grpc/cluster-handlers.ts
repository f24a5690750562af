// The Cluster service: membership changes go through Raft one at a time as
// conf change entries carrying the member's URLs; the answer waits until the
// change is applied here. Before proposing, the leader runs etcd's strict
// reconfiguration checks (enough started members, every voter connected), so
// a change that could cost the quorum is refused as etcd refuses it.
import { ConfChangeType, type NodeId, ProgressState } from "../../raft/index.ts";
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

type Reconfig = { op: "add" | "addLearner" | "remove"; id: number };

/**
 * Whether the leader hears from `id`: it has acknowledged entries and answered
 * since the last quorum check, or is being replicated to. Stands in for etcd's
 * "connected to the peer" (rafthttp's ActiveSince).
 */
function connected(member: StoreMember, id: NodeId): boolean {
  if (id === member.identity.memberId) return true;
  const pr = member.runner.raw.raft.trk.progress.get(id);
  return pr !== undefined && pr.match > 0 && (pr.recentActive || pr.state === ProgressState.Replicate);
}

/** etcd's mayAddMember and mayRemoveMember (etcdserver/server.go), run on the leader. */
function checkReconfig(member: StoreMember, r: Reconfig): void {
  const voters = member.machine.cluster.list().filter((m) => !m.isLearner);
  if (r.op === "remove") {
    // Removing a learner cannot cost the quorum.
    if (member.machine.cluster.members.get(r.id)?.isLearner === true) return;
    const rest = voters.filter((m) => m.id !== r.id);
    if (rest.filter((m) => m.name !== "").length < Math.floor(rest.length / 2) + 1) throw etcdErrors.notEnoughStarted();
    // A member that is down is safe to remove: it is not part of the active quorum.
    if (r.id !== member.identity.memberId && !connected(member, r.id)) return;
    const active = voters.filter((m) => connected(member, m.id)).length;
    if (active - 1 < 1 + Math.floor((voters.length - 1) / 2)) throw etcdErrors.unhealthy();
    return;
  }
  if (r.op === "add") {
    // Adding a voter must leave a quorum of started members.
    const started = voters.filter((m) => m.name !== "").length;
    const total = voters.length + 1;
    if (!(started === 1 && total === 2) && started < Math.floor(total / 2) + 1) throw etcdErrors.notEnoughStarted();
  }
  if (!voters.every((m) => connected(member, m.id))) throw etcdErrors.unhealthy();
}

export function clusterHandlers(member: StoreMember) {
  const members = (): pb.Member.$Properties[] => member.machine.cluster.list().map(toPb);
  // etcd's Cluster service headers carry no revision.
  const header = () => member.header(0);

  member.handleOnLeader("ReconfigCheck", async (bytes) => {
    checkReconfig(member, JSON.parse(new TextDecoder().decode(bytes)) as Reconfig);
    return new Uint8Array(0);
  });
  const mayReconfigure = async (r: Reconfig): Promise<void> => {
    await member.onLeader("ReconfigCheck", new TextEncoder().encode(JSON.stringify(r)));
  };

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
    // etcd's order (mayPromoteMember, then the apply-time validation): first whether the
    // member has (nearly) caught up, 90% of the leader's log, whatever it is...
    const progress = member.runner.raw.raft.trk.progress;
    const pr = progress.get(id);
    const leaderMatch = progress.get(member.identity.memberId)?.match ?? member.runner.raw.raft.raftLog.lastIndex();
    if (pr !== undefined && pr.match < 0.9 * leaderMatch) throw etcdErrors.learnerNotReady();
    // ... then whether the voters plus the promoted one keep a quorum of started members ...
    const voters = member.machine.cluster.list().filter((m) => !m.isLearner);
    if (1 + voters.filter((m) => m.name !== "").length < Math.floor((voters.length + 1) / 2) + 1) throw etcdErrors.notEnoughStarted();
    // ... and only then whether it is a learner at all.
    const m = member.machine.cluster.members.get(id);
    if (m === undefined) throw etcdErrors.memberNotFound();
    if (!m.isLearner) throw etcdErrors.notLearner();
    await change(ConfChangeType.AddNode, id);
    return pb.MemberPromoteResponse.encode({ header: header(), members: members() }).finish();
  });

  return {
    memberList: unary(async (raw: unknown) => {
      if (plain<{ linearizable?: boolean }>(raw).linearizable === true) await member.linearizable();
      return { header: header(), members: members() };
    }),
    memberAdd: unary(async (raw: unknown) => {
      const req = plain<{ peerURLs?: string[]; isLearner?: boolean }>(raw);
      const peerUrls = parsePeerUrls(req.peerURLs);
      const isLearner = req.isLearner === true;
      await mayReconfigure({ op: isLearner ? "addLearner" : "add", id: 0 });
      const taken = new Set(member.machine.cluster.list().flatMap((m) => m.peerUrls));
      if (peerUrls.some((u) => taken.has(u))) throw etcdErrors.peerUrlExists();
      const id = memberId(peerUrls.map((u) => new URL(u)), member.flags.initialClusterToken, Date.now());
      if (member.machine.cluster.members.has(id) || member.machine.cluster.removed.has(id)) throw etcdErrors.memberExists();
      const info: MemberInfo = { id, name: "", peerUrls, clientUrls: [], isLearner };
      await change(isLearner ? ConfChangeType.AddLearnerNode : ConfChangeType.AddNode, id, info);
      return { header: header(), member: toPb(info), members: members() };
    }),
    memberRemove: unary(async (raw: unknown) => {
      const id = plain<{ ID?: number }>(raw).ID ?? 0;
      await mayReconfigure({ op: "remove", id });
      if (!member.machine.cluster.members.has(id)) throw etcdErrors.memberNotFound();
      await change(ConfChangeType.RemoveNode, id);
      return { header: header(), members: members() };
    }),
    memberUpdate: unary(async (raw: unknown) => {
      const req = plain<{ ID?: number; peerURLs?: string[] }>(raw);
      const id = req.ID ?? 0;
      const current = member.machine.cluster.members.get(id);
      if (current === undefined) throw etcdErrors.memberNotFound();
      await change(ConfChangeType.UpdateNode, id, { ...current, peerUrls: parsePeerUrls(req.peerURLs) });
      return { header: header(), members: members() };
    }),
    memberPromote: unary(async (raw: pb.MemberPromoteRequest) => {
      const resp = pb.MemberPromoteResponse.decode(await member.onLeader("MemberPromote", pb.MemberPromoteRequest.encode(raw).finish()));
      // The header is this member's, as for any Cluster call, also when the leader answered.
      return { ...plain<pb.MemberPromoteResponse.$Properties>(resp), header: header() };
    }),
  };
}
