// The peer transport of a store member: a gRPC server receiving Raft messages
// and snapshots from peers, and one sender per peer. Messages are grouped per
// peer so one Ready becomes one frame per peer (batching).
import { type ServerReadableStream, Server, ServerCredentials, status, type sendUnaryData } from "@grpc/grpc-js";
import { type Message, MessageType, type NodeId } from "../../raft/index.ts";
import { grpcAddress, PeerSender } from "./peer-sender.ts";
import {
  clusterIdHeader,
  type ForwardCall,
  type ForwardReply,
  type MembersReply,
  raftPeerService,
  type SnapshotChunk,
} from "./peer-service.ts";

export interface TransportEvents {
  onMessages(msgs: Message[]): void;
  onUnreachable(peer: NodeId): void;
  onSnapshotSent(peer: NodeId, ok: boolean): void;
}

export interface TransportOptions {
  selfId: NodeId;
  clusterId: number;
  events: TransportEvents;
  /** Answers a joining member's question: which cluster is this, and who is in it. */
  members?: () => MembersReply;
  /** Runs a request a follower forwarded to us as leader. */
  forward?: (call: ForwardCall) => Promise<ForwardReply>;
  log(event: Record<string, unknown>): void;
}

export class PeerTransport {
  private server = new Server({ "grpc.max_receive_message_length": 64 << 20 });
  private senders = new Map<NodeId, PeerSender>();
  /** Peers cut off by a fault hook (tests): nothing is sent to or accepted from them. */
  readonly blocked = new Set<NodeId>();

  constructor(private readonly opts: TransportOptions) {
    this.server.addService(raftPeerService, {
      stream: (call: ServerReadableStream<Message[], object>, cb: sendUnaryData<object>) => this.onStream(call, cb),
      snapshot: (call: ServerReadableStream<SnapshotChunk, { applied: boolean }>, cb: sendUnaryData<{ applied: boolean }>) =>
        this.onSnapshot(call, cb),
      members: (_call: unknown, cb: sendUnaryData<MembersReply>) => {
        if (this.opts.members === undefined) cb({ code: status.UNAVAILABLE, details: "member is starting" });
        else cb(null, this.opts.members());
      },
      forward: (call: { request: ForwardCall }, cb: sendUnaryData<ForwardReply>) => {
        if (this.opts.forward === undefined) {
          cb({ code: status.UNAVAILABLE, details: "member is starting" });
          return;
        }
        this.opts.forward(call.request).then(
          (reply) => cb(null, reply),
          (err: unknown) => cb({ code: status.INTERNAL, details: err instanceof Error ? err.message : String(err) }),
        );
      },
    });
  }

  async listen(urls: readonly URL[]): Promise<void> {
    for (const url of urls) {
      await new Promise<void>((resolve, reject) => {
        this.server.bindAsync(grpcAddress(url), ServerCredentials.createInsecure(), (err) => (err === null ? resolve() : reject(err)));
      });
    }
  }

  private accepts(call: ServerReadableStream<unknown, unknown>): boolean {
    const cluster = call.metadata.get(clusterIdHeader)[0];
    return cluster === String(this.opts.clusterId);
  }

  private onStream(call: ServerReadableStream<Message[], object>, cb: sendUnaryData<object>): void {
    if (!this.accepts(call)) {
      this.opts.log({ msg: "rejected peer stream from another cluster", peer: call.getPeer() });
      cb({ code: status.FAILED_PRECONDITION, details: "cluster id mismatch" });
      return;
    }
    call.on("data", (msgs: Message[]) => {
      const accepted = this.blocked.size === 0 ? msgs : msgs.filter((m) => !this.blocked.has(m.from));
      if (accepted.length > 0) this.opts.events.onMessages(accepted);
    });
    call.on("end", () => cb(null, {}));
    call.on("error", () => {});
  }

  private onSnapshot(call: ServerReadableStream<SnapshotChunk, { applied: boolean }>, cb: sendUnaryData<{ applied: boolean }>): void {
    if (!this.accepts(call)) {
      cb({ code: status.FAILED_PRECONDITION, details: "cluster id mismatch" });
      return;
    }
    let head: Message | undefined;
    const parts: Uint8Array[] = [];
    call.on("data", (c: SnapshotChunk) => {
      if (c.message !== undefined) head = c.message;
      if (c.data.byteLength > 0) parts.push(c.data);
      if (!c.last) return;
      if (head === undefined || head.snapshot === undefined || this.blocked.has(head.from)) {
        cb({ code: status.INVALID_ARGUMENT, details: "snapshot stream without its message" });
        return;
      }
      const data = Buffer.concat(parts);
      this.opts.events.onMessages([{ ...head, snapshot: { ...head.snapshot, data } }]);
      cb(null, { applied: true });
    });
    call.on("error", () => {});
  }

  /** Sends a request to `peer` (the leader) to run there. */
  forwardTo(peer: NodeId, call: ForwardCall, timeoutMs: number): Promise<ForwardReply> {
    const sender = this.senders.get(peer);
    if (sender === undefined) return Promise.reject(new Error(`no connection to member ${peer.toString(16)}`));
    return sender.forward(call, timeoutMs);
  }

  /** Adds or updates a peer (its first URL is used). */
  setPeer(id: NodeId, urls: readonly URL[]): void {
    const url = urls[0];
    if (id === this.opts.selfId || url === undefined) return;
    const current = this.senders.get(id);
    if (current !== undefined && current.url.href === url.href) return;
    current?.close();
    this.senders.set(
      id,
      new PeerSender(id, url, {
        selfId: this.opts.selfId,
        clusterId: this.opts.clusterId,
        onUnreachable: (peer) => this.opts.events.onUnreachable(peer),
        log: this.opts.log,
      }),
    );
  }

  removePeer(id: NodeId): void {
    this.senders.get(id)?.close();
    this.senders.delete(id);
  }

  send(msgs: readonly Message[]): void {
    const byPeer = new Map<NodeId, Message[]>();
    for (const m of msgs) {
      if (this.blocked.has(m.to)) continue;
      const sender = this.senders.get(m.to);
      if (sender === undefined) continue;
      if (m.type === MessageType.MsgSnap) {
        sender.sendSnapshot(m, (ok) => this.opts.events.onSnapshotSent(m.to, ok));
        continue;
      }
      const list = byPeer.get(m.to);
      if (list === undefined) byPeer.set(m.to, [m]);
      else list.push(m);
    }
    for (const [peer, list] of byPeer) this.senders.get(peer)!.send(list);
  }

  async close(): Promise<void> {
    for (const s of this.senders.values()) s.close();
    this.senders.clear();
    await new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
  }
}
