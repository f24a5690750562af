// The cluster's membership as every member records it: who is in it, with
// names, peer and client URLs, and which ids were removed (they may never
// come back). Changed only by applying Raft entries, so all members agree.
import { skiffstore } from "@skiff/proto/gen/store/internal.js";
import { type ConfChange, ConfChangeType } from "../../raft/index.ts";

export interface MemberInfo {
  id: number;
  name: string;
  peerUrls: string[];
  clientUrls: string[];
  isLearner: boolean;
}

export function encodeMemberInfo(m: MemberInfo): Uint8Array {
  return skiffstore.MemberInfo.encode(m).finish();
}

export function decodeMemberInfo(bytes: Uint8Array): MemberInfo {
  const m = skiffstore.MemberInfo.decode(bytes);
  return { id: Number(m.id), name: m.name ?? "", peerUrls: m.peerUrls ?? [], clientUrls: m.clientUrls ?? [], isLearner: m.isLearner ?? false };
}

export class ClusterState {
  readonly members = new Map<number, MemberInfo>();
  readonly removed = new Set<number>();

  constructor(public clusterId: number) {}

  /** Records the effect of a committed membership change. */
  applyConfChange(cc: ConfChange): void {
    const info = cc.context !== undefined && cc.context.byteLength > 0 ? decodeMemberInfo(cc.context) : undefined;
    const current = this.members.get(cc.nodeId);
    switch (cc.type) {
      case ConfChangeType.AddNode:
        if (current !== undefined) current.isLearner = false;
        else if (info !== undefined) this.members.set(cc.nodeId, { ...info, id: cc.nodeId, isLearner: false });
        break;
      case ConfChangeType.AddLearnerNode:
        if (info !== undefined && current === undefined) this.members.set(cc.nodeId, { ...info, id: cc.nodeId, isLearner: true });
        break;
      case ConfChangeType.RemoveNode:
        this.members.delete(cc.nodeId);
        this.removed.add(cc.nodeId);
        break;
      case ConfChangeType.UpdateNode:
        if (current !== undefined && info !== undefined) current.peerUrls = info.peerUrls;
        break;
    }
  }

  /** A member announced its name and client URLs. */
  publish(id: number, name: string, clientUrls: string[]): void {
    const m = this.members.get(id);
    if (m === undefined) return;
    m.name = name;
    m.clientUrls = clientUrls;
  }

  list(): MemberInfo[] {
    return [...this.members.values()].sort((a, b) => a.id - b.id);
  }

  encode(): Uint8Array {
    return new TextEncoder().encode(JSON.stringify({ clusterId: this.clusterId, members: this.list(), removed: [...this.removed] }));
  }

  static decode(bytes: Uint8Array): ClusterState {
    const s = JSON.parse(new TextDecoder().decode(bytes)) as { clusterId: number; members: MemberInfo[]; removed: number[] };
    const c = new ClusterState(s.clusterId);
    for (const m of s.members) c.members.set(m.id, m);
    for (const id of s.removed) c.removed.add(id);
    return c;
  }
}
