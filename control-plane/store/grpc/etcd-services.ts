// grpc-js service definitions for the etcd v3 API (proto/etcd), built from the
// protobufjs codecs. Paths and streaming flags are etcd's, so etcdctl and etcd
// client libraries talk to skiff as to etcd.
import type { MethodDefinition, ServiceDefinition } from "@grpc/grpc-js";
import { etcdserverpb as pb } from "@skiff/proto/gen/etcd/etcdserverpb/rpc.js";

interface Codec<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(bytes: Uint8Array): T;
}

function method<Req, Res>(
  path: string,
  req: Codec<Req>,
  res: Codec<Res>,
  requestStream = false,
  responseStream = false,
): MethodDefinition<Req, Res> {
  return {
    path,
    requestStream,
    responseStream,
    requestSerialize: (m: Req) => Buffer.from(req.encode(m).finish()),
    requestDeserialize: (b: Buffer) => req.decode(b),
    responseSerialize: (m: Res) => {
      const bytes = res.encode(m).finish();
      return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
    },
    responseDeserialize: (b: Buffer) => res.decode(b),
  };
}

/** The bytes each decoded client write arrived as (see keepingBytes). */
const receivedBytes = new WeakMap<object, Buffer>();

/** The bytes `request` was decoded from, for a method whose codec keeps them. */
export function requestBytes(request: object): Buffer | undefined {
  return receivedBytes.get(request);
}

/**
 * A request codec that remembers each message's bytes: a write goes into the
 * Raft log as the client sent it, rather than encoded again from the decoded
 * message.
 */
function keepingBytes<T extends object>(c: Codec<T>): Codec<T> {
  return {
    encode: (m) => c.encode(m),
    decode: (b) => {
      const m = c.decode(b);
      receivedBytes.set(m, b as Buffer);
      return m;
    },
  };
}

export type RangeRequest = pb.RangeRequest.$Properties;
export type PutRequest = pb.PutRequest.$Properties;
export type DeleteRangeRequest = pb.DeleteRangeRequest.$Properties;
export type TxnRequest = pb.TxnRequest.$Properties;
export type CompactionRequest = pb.CompactionRequest.$Properties;
export type WatchRequest = pb.WatchRequest.$Properties;
export type WatchResponse = pb.WatchResponse.$Properties;
export type ResponseHeader = pb.ResponseHeader.$Properties;

export const kvService = {
  range: method("/etcdserverpb.KV/Range", pb.RangeRequest, pb.RangeResponse),
  put: method("/etcdserverpb.KV/Put", keepingBytes(pb.PutRequest), pb.PutResponse),
  deleteRange: method("/etcdserverpb.KV/DeleteRange", keepingBytes(pb.DeleteRangeRequest), pb.DeleteRangeResponse),
  txn: method("/etcdserverpb.KV/Txn", keepingBytes(pb.TxnRequest), pb.TxnResponse),
  compact: method("/etcdserverpb.KV/Compact", pb.CompactionRequest, pb.CompactionResponse),
} satisfies ServiceDefinition;

/** Watch responses with events arrive already encoded (watch-wire.ts); the rest go through protobufjs. */
const watchResponseCodec: Codec<pb.WatchResponse.$Properties | Buffer> = {
  encode: (m) => (Buffer.isBuffer(m) ? { finish: () => m } : pb.WatchResponse.encode(m)),
  decode: (b) => pb.WatchResponse.decode(b),
};

export const watchService = {
  watch: method("/etcdserverpb.Watch/Watch", pb.WatchRequest, watchResponseCodec, true, true),
} satisfies ServiceDefinition;

export const leaseService = {
  leaseGrant: method("/etcdserverpb.Lease/LeaseGrant", pb.LeaseGrantRequest, pb.LeaseGrantResponse),
  leaseRevoke: method("/etcdserverpb.Lease/LeaseRevoke", pb.LeaseRevokeRequest, pb.LeaseRevokeResponse),
  leaseKeepAlive: method("/etcdserverpb.Lease/LeaseKeepAlive", pb.LeaseKeepAliveRequest, pb.LeaseKeepAliveResponse, true, true),
  leaseTimeToLive: method("/etcdserverpb.Lease/LeaseTimeToLive", pb.LeaseTimeToLiveRequest, pb.LeaseTimeToLiveResponse),
  leaseLeases: method("/etcdserverpb.Lease/LeaseLeases", pb.LeaseLeasesRequest, pb.LeaseLeasesResponse),
} satisfies ServiceDefinition;

export const clusterService = {
  memberAdd: method("/etcdserverpb.Cluster/MemberAdd", pb.MemberAddRequest, pb.MemberAddResponse),
  memberRemove: method("/etcdserverpb.Cluster/MemberRemove", pb.MemberRemoveRequest, pb.MemberRemoveResponse),
  memberUpdate: method("/etcdserverpb.Cluster/MemberUpdate", pb.MemberUpdateRequest, pb.MemberUpdateResponse),
  memberList: method("/etcdserverpb.Cluster/MemberList", pb.MemberListRequest, pb.MemberListResponse),
  memberPromote: method("/etcdserverpb.Cluster/MemberPromote", pb.MemberPromoteRequest, pb.MemberPromoteResponse),
} satisfies ServiceDefinition;

export const maintenanceService = {
  alarm: method("/etcdserverpb.Maintenance/Alarm", pb.AlarmRequest, pb.AlarmResponse),
  status: method("/etcdserverpb.Maintenance/Status", pb.StatusRequest, pb.StatusResponse),
  defragment: method("/etcdserverpb.Maintenance/Defragment", pb.DefragmentRequest, pb.DefragmentResponse),
  hash: method("/etcdserverpb.Maintenance/Hash", pb.HashRequest, pb.HashResponse),
  hashKV: method("/etcdserverpb.Maintenance/HashKV", pb.HashKVRequest, pb.HashKVResponse),
  snapshot: method("/etcdserverpb.Maintenance/Snapshot", pb.SnapshotRequest, pb.SnapshotResponse, false, true),
  moveLeader: method("/etcdserverpb.Maintenance/MoveLeader", pb.MoveLeaderRequest, pb.MoveLeaderResponse),
} satisfies ServiceDefinition;

export { pb as etcdserverpb };
