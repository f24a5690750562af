// ReadIndex bookkeeping on the leader: each read request remembers the commit
// index at arrival and waits until a quorum acknowledges a heartbeat carrying
// its context, which proves we were still leader when the read arrived.
import type { Message, NodeId } from "./types.ts";

export enum ReadOnlyOption {
  /** Confirm leadership with a heartbeat round for each batch of reads (the default). */
  Safe = 0,
  /** Trust the leader lease (needs CheckQuorum and bounded clock drift): no round trip. */
  LeaseBased = 1,
}

export interface ReadIndexStatus {
  req: Message;
  index: number;
  acks: Set<NodeId>;
}

/** Read contexts are byte strings; they key maps as latin1 strings. */
export function contextKey(ctx: Uint8Array | undefined): string {
  if (ctx === undefined) return "";
  let s = "";
  for (const b of ctx) s += String.fromCharCode(b);
  return s;
}

export class ReadOnly {
  private pending = new Map<string, ReadIndexStatus>();
  private queue: string[] = [];

  constructor(readonly option: ReadOnlyOption) {}

  addRequest(index: number, m: Message): void {
    const key = contextKey(m.entries[0]?.data);
    if (this.pending.has(key)) return;
    this.pending.set(key, { index, req: m, acks: new Set() });
    this.queue.push(key);
  }

  /** Records a heartbeat ack for a context; returns the acks so far, or undefined if unknown. */
  recvAck(id: NodeId, context: Uint8Array | undefined): Set<NodeId> | undefined {
    const rs = this.pending.get(contextKey(context));
    if (rs === undefined) return undefined;
    rs.acks.add(id);
    return rs.acks;
  }

  /**
   * Releases the request with this context and every request queued before it:
   * the quorum that acknowledged a later heartbeat also vouches for earlier reads.
   */
  advance(context: Uint8Array | undefined): ReadIndexStatus[] {
    const ctx = contextKey(context);
    const i = this.queue.indexOf(ctx);
    if (i < 0) return [];
    const released = this.queue.slice(0, i + 1).map((k) => {
      const rs = this.pending.get(k);
      if (rs === undefined) throw new Error("cannot find corresponding read state from pending map");
      this.pending.delete(k);
      return rs;
    });
    this.queue = this.queue.slice(i + 1);
    return released;
  }

  lastPendingRequestCtx(): Uint8Array | undefined {
    const last = this.queue[this.queue.length - 1];
    if (last === undefined) return undefined;
    const out = new Uint8Array(last.length);
    for (let i = 0; i < last.length; i++) out[i] = last.charCodeAt(i);
    return out;
  }

  pendingCount(): number {
    return this.queue.length;
  }
}
