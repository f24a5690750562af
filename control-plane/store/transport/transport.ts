// The peer transport of a store member: a gRPC server receiving Raft messages
// and snapshots from peers, and one sender per peer. Messages are grouped per
// peer so one Ready becomes one frame per peer (batching).
import { type ServerReadableStream, type ServerUnaryCall, Server, ServerCredentials, status, type sendUnaryData } from "@grpc/grpc-js";
import { type Message, MessageType, type NodeId } from "../../raft/index.ts";
import { FaultFile, type FaultSpec, isBlockedBy } from "./fault-file.ts";
import { grpcAddress, PeerSender } from "./peer-sender.ts";
import {
  clusterIdHeader,
  removedMessage,
  type ForwardCall,
  type ForwardReply,
  type MembersReply,
  memberIdHeader,
  raftPeerService,
  type SnapshotChunk,
} from "./peer-service.ts";

export interface TransportEvents {
  onMessages(msgs: Message[]): void;
  onUnreachable(peer: NodeId): void;
  onSnapshotSent(peer: NodeId, ok: boolean): void;
  /** A peer told us this member was removed from the cluster. */
  onRemoved?(): void;
  /** A peer's process is gone: its address refuses connections (see PeerSender). */
  onPeerDown?(peer: NodeId): void;
}

export interface TransportOptions {
  selfId: NodeId;
  clusterId: number;
  events: TransportEvents;
  /** Answers a joining member's question: which cluster is this, and who is in it. */
  members?: () => MembersReply;
  /** Runs a request a follower forwarded to us as leader. */
  forward?: (call: ForwardCall) => Promise<ForwardReply>;
  /** Whether a member id was removed from the cluster: its streams are refused with `removedMessage`. */
  isRemoved?: (id: NodeId) => boolean;
  /** A fault file to poll (tests, see fault-file.ts); absent in production. */
  faultFile?: string;
  log(event: Record<string, unknown>): void;
}

export class PeerTransport {
  private server = new Server({ "grpc.max_receive_message_length": 64 << 20 });
  private senders = new Map<NodeId, PeerSender>();
  /** Peers cut off by a fault hook (tests): nothing is sent to or accepted from them. */
  readonly blocked = new Set<NodeId>();
  private faults: FaultSpec = { blocked: [] };
  private readonly faultFile: FaultFile | undefined;

  constructor(private readonly opts: TransportOptions) {
    this.faultFile =
      opts.faultFile === undefined
        ? undefined
        : new FaultFile(
            opts.faultFile,
            (spec) => {
              this.faults = spec;
              this.applyFaults();
            },
            opts.log,
          );
    this.server.addService(raftPeerService, {
      stream: (call: ServerReadableStream<Message[], object>, cb: sendUnaryData<object>) => this.onStream(call, cb),
      snapshot: (call: ServerReadableStream<SnapshotChunk, { applied: boolean }>, cb: sendUnaryData<{ applied: boolean }>) =>
        this.onSnapshot(call, cb),
      members: (_call: unknown, cb: sendUnaryData<MembersReply>) => {
        if (this.opts.members === undefined) cb({ code: status.UNAVAILABLE, details: "member is starting" });
        else cb(null, this.opts.members());
      },
      forward: (call: ServerUnaryCall<ForwardCall, ForwardReply>, cb: sendUnaryData<ForwardReply>) => {
        if (this.blocked.size > 0 && this.blocked.has(Number(call.metadata.get(memberIdHeader)[0]))) {
          cb({ code: status.UNAVAILABLE, details: "peer is cut off by a fault" });
          return;
        }
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

  /** Recomputes the blocked peer ids from the fault spec and the peers known now. */
  private applyFaults(): void {
    if (this.faultFile === undefined) return;
    this.blocked.clear();
    for (const [id, sender] of this.senders) if (isBlockedBy(this.faults, id, [sender.url])) this.blocked.add(id);
    for (const entry of this.faults.blocked) {
      const id = Number.parseInt(entry, 16);
      if (!entry.includes("://") && Number.isSafeInteger(id)) this.blocked.add(id);
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
    const from = Number(call.metadata.get(memberIdHeader)[0]);
    let answered = false;
    const answer = (err: { code: status; details: string } | null): void => {
      if (answered) return;
      answered = true;
      cb(err, {});
    };
    call.on("data", (msgs: Message[]) => {
      if (answered) return;
      let accepted = this.blocked.size === 0 ? msgs : msgs.filter((m) => !this.blocked.has(m.from));
      if (this.opts.isRemoved?.(from) === true) {
        // A removed member that campaigns does not know it was removed: tell
        // it (as etcd answers it with HTTP 410) so that it stops instead of
        // campaigning forever. Of the rest only the hand-off of a leader that
        // removed itself (MsgTimeoutNow to its successor) still counts; the
        // stream stays open for it, as that leader stops on its own.
        if (accepted.some((m) => m.type === MessageType.MsgPreVote || m.type === MessageType.MsgVote)) {
          answer({ code: status.FAILED_PRECONDITION, details: removedMessage });
        }
        accepted = accepted.filter((m) => m.type === MessageType.MsgTimeoutNow);
      }
      if (accepted.length > 0) this.opts.events.onMessages(accepted);
    });
    call.on("end", () => answer(null));
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
    if (this.blocked.has(peer)) return Promise.reject(new Error(`member ${peer.toString(16)} is cut off by a fault`));
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
        onRemoved: () => {
          // A fault-blocked peer says nothing, so the answer is real.
          this.opts.log({ msg: "a peer says this member was removed from the cluster", peer: id.toString(16) });
          this.opts.events.onRemoved?.();
        },
        onDown: (peer) => this.opts.events.onPeerDown?.(peer),
        log: this.opts.log,
      }),
    );
    this.applyFaults();
  }

  removePeer(id: NodeId): void {
    this.senders.get(id)?.close();
    this.senders.delete(id);
    this.applyFaults();
  }

  send(msgs: readonly Message[]): void {
    const byPeer = new Map<NodeId, Message[]>();
    for (const m of msgs) {
      const sender = this.blocked.has(m.to) ? undefined : this.senders.get(m.to);
      if (sender === undefined) {
        // Raft waits for a snapshot's outcome before it sends that peer anything else.
        if (m.type === MessageType.MsgSnap) this.opts.events.onSnapshotSent(m.to, false);
        continue;
      }
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
    this.faultFile?.close();
    for (const s of this.senders.values()) s.close();
    this.senders.clear();
    // Peers hold long-lived streams open: give calls a moment, then cut them.
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, 500);
      this.server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }
}
