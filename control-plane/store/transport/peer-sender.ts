// Sends Raft messages to one peer over a long-lived gRPC client stream, and
// snapshots over a chunked stream. A broken stream is re-opened on the next
// send (no more often than every retryMs); messages that cannot go are dropped
// and reported, as Raft expects from an unreliable network.
import { type Client, credentials, makeGenericClientConstructor, Metadata, type ClientWritableStream } from "@grpc/grpc-js";
import { connect } from "node:net";
import type { Message, NodeId } from "../../raft/index.ts";
import {
  clusterIdHeader,
  type ForwardCall,
  type ForwardReply,
  type MembersReply,
  memberIdHeader,
  raftPeerService,
  removedMessage,
  type SnapshotChunk,
} from "./peer-service.ts";

const PeerClient = makeGenericClientConstructor(raftPeerService, "RaftPeer");
const snapshotChunkBytes = 1 << 20;
/** Messages buffered in gRPC for a slow peer before we start dropping (etcd: 4096). */
const maxPendingBatches = 1024;

export interface PeerSenderOptions {
  selfId: NodeId;
  clusterId: number;
  retryMs?: number;
  onUnreachable(peer: NodeId): void;
  /** The peer refused our stream because this member was removed from the cluster. */
  onRemoved?(): void;
  /**
   * The stream broke and nothing listens at the peer's address any more: its
   * process is gone (a dead host gives no such answer; Raft's timeouts cover it).
   */
  onDown?(peer: NodeId): void;
  log(event: Record<string, unknown>): void;
}

type StreamCall = ClientWritableStream<Message[]>;

export function grpcAddress(url: URL): string {
  return `${url.hostname}:${url.port}`;
}

export class PeerSender {
  private client: Client;
  private call: StreamCall | undefined = undefined;
  private pending = 0;
  private failedAt = -Infinity;
  private closed = false;
  private probing = false;
  private downLoggedAt = -Infinity;

  constructor(
    readonly peerId: NodeId,
    readonly url: URL,
    private readonly opts: PeerSenderOptions,
  ) {
    this.client = new PeerClient(grpcAddress(url), credentials.createInsecure(), {
      "grpc.keepalive_time_ms": 10_000,
      "grpc.initial_reconnect_backoff_ms": 100,
      "grpc.max_reconnect_backoff_ms": 1000,
      "grpc.max_send_message_length": 64 << 20,
    });
  }

  private metadata(): Metadata {
    const md = new Metadata();
    md.set(clusterIdHeader, String(this.opts.clusterId));
    md.set(memberIdHeader, String(this.opts.selfId));
    return md;
  }

  private openStream(): StreamCall | undefined {
    if (this.call !== undefined) return this.call;
    if (this.closed || performance.now() - this.failedAt < (this.opts.retryMs ?? 100)) return undefined;
    const call = (this.client as unknown as { stream(md: Metadata, cb: (err: Error | null) => void): StreamCall }).stream(
      this.metadata(),
      (err) => {
        if (err !== null) this.fail(call, err);
      },
    );
    call.on("error", (err: Error) => this.fail(call, err));
    this.call = call;
    this.pending = 0;
    return call;
  }

  private fail(call: StreamCall, err: Error): void {
    if ((err as Error & { details?: string }).details === removedMessage) this.opts.onRemoved?.();
    if (this.call !== call) return;
    this.call = undefined;
    this.failedAt = performance.now();
    if (!this.closed) this.opts.log({ msg: "peer stream broken", peer: this.peerId.toString(16), error: err.message });
    this.opts.onUnreachable(this.peerId);
    this.probe();
  }

  /**
   * Tries a plain TCP connection to the peer: refused means its process is
   * gone. A process being killed resets its connections a moment before its
   * listening socket goes, so an accepted probe is tried again a few times
   * while our stream stays broken.
   */
  private probe(attempt = 0): void {
    if (this.probing || this.closed || this.opts.onDown === undefined) return;
    this.probing = true;
    const socket = connect({ host: this.url.hostname, port: Number(this.url.port) });
    const done = (down: boolean): void => {
      if (!this.probing) return;
      this.probing = false;
      clearTimeout(timer);
      socket.destroy();
      if (this.closed) return;
      if (down) {
        // Every failed send while it is down finds the same: say so now and then.
        if (performance.now() - this.downLoggedAt > 5000) {
          this.downLoggedAt = performance.now();
          this.opts.log({ msg: "peer is down (connection refused)", peer: this.peerId.toString(16) });
        }
        this.opts.onDown?.(this.peerId);
      } else if (attempt < 3 && this.call === undefined) {
        setTimeout(() => this.call === undefined && this.probe(attempt + 1), 20).unref();
      }
    };
    const timer = setTimeout(() => done(false), 1000);
    socket.once("connect", () => done(false));
    socket.once("error", (err: NodeJS.ErrnoException) => done(err.code === "ECONNREFUSED"));
  }

  send(msgs: Message[]): void {
    const call = this.openStream();
    if (call === undefined || this.pending >= maxPendingBatches) {
      this.opts.onUnreachable(this.peerId);
      return;
    }
    this.pending++;
    call.write(msgs, () => {
      this.pending--;
    });
  }

  /** Streams a MsgSnap in chunks; `done` reports whether the peer received it all. */
  sendSnapshot(m: Message, done: (ok: boolean) => void): void {
    const snapshot = m.snapshot;
    if (snapshot === undefined || this.closed) {
      done(false);
      return;
    }
    let finished = false;
    const finish = (ok: boolean): void => {
      if (finished) return;
      finished = true;
      done(ok);
    };
    const call = (this.client as unknown as {
      snapshot(md: Metadata, cb: (err: Error | null, ack?: { applied: boolean }) => void): ClientWritableStream<SnapshotChunk>;
    }).snapshot(this.metadata(), (err, ackValue) => finish(err === null && ackValue?.applied === true));
    call.on("error", () => finish(false));
    const head: Message = { ...m, snapshot: { ...snapshot, data: new Uint8Array(0) } };
    const data = snapshot.data;
    call.write({ message: head, data: new Uint8Array(0), last: data.byteLength === 0 });
    for (let off = 0; off < data.byteLength; off += snapshotChunkBytes) {
      const end = Math.min(off + snapshotChunkBytes, data.byteLength);
      call.write({ data: data.subarray(off, end), last: end === data.byteLength });
    }
    call.end();
  }

  forward(call: ForwardCall, timeoutMs: number): Promise<ForwardReply> {
    return new Promise((resolve, reject) => {
      const client = this.client as unknown as {
        forward(req: ForwardCall, md: Metadata, opts: { deadline: number }, cb: (err: Error | null, r?: ForwardReply) => void): void;
      };
      client.forward(call, this.metadata(), { deadline: Date.now() + timeoutMs }, (err, reply) => {
        if (err !== null || reply === undefined) reject(err ?? new Error("empty reply"));
        else resolve(reply);
      });
    });
  }

  close(): void {
    this.closed = true;
    this.call?.end();
    this.call = undefined;
    this.client.close();
  }
}

/** Asks a member at `url` for the cluster id and members (a joining member's first step). */
export function fetchMembers(url: URL, timeoutMs: number): Promise<MembersReply> {
  const client = new PeerClient(grpcAddress(url), credentials.createInsecure());
  return new Promise<MembersReply>((resolve, reject) => {
    const c = client as unknown as {
      members(req: object, opts: { deadline: number }, cb: (err: Error | null, r?: MembersReply) => void): void;
    };
    c.members({}, { deadline: Date.now() + timeoutMs }, (err, reply) => {
      client.close();
      if (err !== null || reply === undefined) reject(err ?? new Error("empty reply"));
      else resolve(reply);
    });
  });
}
