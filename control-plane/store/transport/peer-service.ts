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
} satisfies ServiceDefinition;

/** gRPC metadata key carrying the cluster id, so members of different clusters never mix. */
export const clusterIdHeader = "skiff-cluster-id";
/** gRPC metadata key carrying the sender's member id. */
export const memberIdHeader = "skiff-member-id";
