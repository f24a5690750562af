// The gRPC service members use to talk to each other (proto/store/peer.proto),
// with the protobufjs codecs wired in as grpc-js serializers.
import type { ServiceDefinition } from "@grpc/grpc-js";
import { skiffpeer } from "@skiff/proto/gen/store/peer.js";
import type { Message } from "../../raft/index.ts";
import { decodeBatch, encodeBatch, messageFromProto, messageToProto } from "../raft-codec.ts";

export interface SnapshotChunk {
  /** Only in the first chunk: the MsgSnap with its snapshot data left empty. */
  message?: Message;
  data: Uint8Array;
  last: boolean;
}

function encodeChunk(c: SnapshotChunk): Buffer {
  const props: skiffpeer.SnapshotChunk.$Properties = { data: c.data, last: c.last };
  if (c.message !== undefined) props.message = messageToProto(c.message);
  return Buffer.from(skiffpeer.SnapshotChunk.encode(props).finish());
}

function decodeChunk(b: Buffer): SnapshotChunk {
  const p = skiffpeer.SnapshotChunk.decode(b);
  const c: SnapshotChunk = { data: p.data ?? new Uint8Array(0), last: p.last ?? false };
  if (p.message !== undefined && p.message !== null) c.message = messageFromProto(p.message);
  return c;
}

const ack = {
  serialize: (_: object): Buffer => Buffer.alloc(0),
  deserialize: (_: Buffer): object => ({}),
};

export interface MemberRecord {
  id: number;
  name: string;
  peerUrls: string[];
  clientUrls: string[];
  isLearner: boolean;
}

export interface MembersReply {
  clusterId: number;
  members: MemberRecord[];
}

export interface ForwardCall {
  method: string;
  request: Uint8Array;
}

export interface ForwardReply {
  response: Uint8Array;
  /** 0 when the leader answered; otherwise a gRPC status code and message. */
  code: number;
  message: string;
}

function unaryCodec<T>(codec: { encode(m: T): { finish(): Uint8Array }; decode(b: Uint8Array): T }) {
  return {
    serialize: (m: T) => Buffer.from(codec.encode(m).finish()),
    deserialize: (b: Buffer) => codec.decode(b),
  };
}

const membersCodec = unaryCodec({
  encode: (m: MembersReply) => skiffpeer.MembersResponse.encode(m),
  decode: (b: Uint8Array): MembersReply => {
    const r = skiffpeer.MembersResponse.decode(b);
    return {
      clusterId: Number(r.clusterId),
      members: (r.members ?? []).map((m) => ({
        id: Number(m.id),
        name: m.name ?? "",
        peerUrls: m.peerUrls ?? [],
        clientUrls: m.clientUrls ?? [],
        isLearner: m.isLearner ?? false,
      })),
    };
  },
});

const forwardRequestCodec = unaryCodec({
  encode: (m: ForwardCall) => skiffpeer.ForwardRequest.encode(m),
  decode: (b: Uint8Array): ForwardCall => {
    const r = skiffpeer.ForwardRequest.decode(b);
    return { method: r.method ?? "", request: r.request ?? new Uint8Array(0) };
  },
});

const forwardReplyCodec = unaryCodec({
  encode: (m: ForwardReply) => skiffpeer.ForwardResponse.encode(m),
  decode: (b: Uint8Array): ForwardReply => {
    const r = skiffpeer.ForwardResponse.decode(b);
    return { response: r.response ?? new Uint8Array(0), code: r.code ?? 0, message: r.message ?? "" };
  },
});

export const raftPeerService = {
  stream: {
    path: "/skiffpeer.RaftPeer/Stream",
    requestStream: true,
    responseStream: false,
    requestSerialize: (msgs: Message[]) => Buffer.from(encodeBatch(msgs)),
    requestDeserialize: (b: Buffer) => decodeBatch(b),
    responseSerialize: ack.serialize,
    responseDeserialize: ack.deserialize,
  },
  snapshot: {
    path: "/skiffpeer.RaftPeer/Snapshot",
    requestStream: true,
    responseStream: false,
    requestSerialize: encodeChunk,
    requestDeserialize: decodeChunk,
    responseSerialize: (a: { applied: boolean }) => Buffer.from(skiffpeer.SnapshotAck.encode(a).finish()),
    responseDeserialize: (b: Buffer) => ({ applied: skiffpeer.SnapshotAck.decode(b).applied ?? false }),
  },
  members: {
    path: "/skiffpeer.RaftPeer/Members",
    requestStream: false,
    responseStream: false,
    requestSerialize: ack.serialize,
    requestDeserialize: ack.deserialize,
    responseSerialize: membersCodec.serialize,
    responseDeserialize: membersCodec.deserialize,
  },
  forward: {
    path: "/skiffpeer.RaftPeer/Forward",
    requestStream: false,
    responseStream: false,
    requestSerialize: forwardRequestCodec.serialize,
    requestDeserialize: forwardRequestCodec.deserialize,
    responseSerialize: forwardReplyCodec.serialize,
    responseDeserialize: forwardReplyCodec.deserialize,
  },
} satisfies ServiceDefinition;

/** gRPC metadata key carrying the cluster id, so members of different clusters never mix. */
export const clusterIdHeader = "skiff-cluster-id";
/** gRPC metadata key carrying the sender's member id. */
export const memberIdHeader = "skiff-member-id";
/** What a member answers a removed member's stream with (etcd's rafthttp says the same). */
export const removedMessage = "the member has been permanently removed from the cluster";
