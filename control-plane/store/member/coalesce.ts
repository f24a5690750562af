// Merges a Ready's messages before they leave, per peer and keeping each
// peer's order. Under load the leader steps many proposals (local batches and
// followers' forwarded ones) between two Readies, and Raft answers each with
// its own MsgApp per follower; every one of those costs an encode, a decode,
// a step, and a MsgAppResp coming back. What a follower does with
//   MsgApp(index i, entries a) then MsgApp(index i+|a|, entries b, commit c)
// is exactly what it does with MsgApp(index i, entries a+b, commit c), and a
// leader learns nothing from MsgAppResp(index j) that MsgAppResp(index k >= j)
// right after it does not tell it too. So those are merged; nothing else is.
import { type Message, MessageType, type NodeId } from "../../raft/index.ts";

/** A merged MsgApp stays below this many bytes of entry data (Raft's own limit is per message too). */
const maxMergedBytes = 4 << 20;

function entryBytes(m: Message): number {
  let n = 0;
  for (const e of m.entries) n += e.data.byteLength;
  return n;
}

function mergeable(prev: Message, m: Message): boolean {
  if (prev.type !== m.type || prev.term !== m.term || prev.from !== m.from) return false;
  if (m.type === MessageType.MsgApp) {
    if (prev.snapshot !== undefined || m.snapshot !== undefined || prev.context !== undefined || m.context !== undefined) return false;
    const prevLast = prev.entries.at(-1);
    return m.index === prev.index + prev.entries.length && m.logTerm === (prevLast?.term ?? prev.logTerm);
  }
  if (m.type === MessageType.MsgAppResp) return !prev.reject && !m.reject && prev.context === undefined && m.context === undefined;
  return false;
}

export function coalesceMessages(msgs: readonly Message[]): Message[] {
  if (msgs.length < 2) return msgs.slice();
  const out: Message[] = [];
  const last = new Map<NodeId, number>();
  const bytes = new Map<number, number>();
  for (const m of msgs) {
    const at = last.get(m.to);
    const prev = at === undefined ? undefined : out[at];
    if (at !== undefined && prev !== undefined && mergeable(prev, m)) {
      if (m.type === MessageType.MsgAppResp) {
        if (m.index >= prev.index) out[at] = m;
        continue;
      }
      const size = (bytes.get(at) ?? entryBytes(prev)) + entryBytes(m);
      if (size <= maxMergedBytes) {
        out[at] = { ...prev, entries: prev.entries.concat(m.entries), commit: Math.max(prev.commit, m.commit) };
        bytes.set(at, size);
        continue;
      }
    }
    last.set(m.to, out.length);
    out.push(m);
  }
  return out;
}
