// Errors the store member answers with, beyond the MVCC store's own: etcd's
// texts and gRPC codes (api/v3rpc/rpctypes/error.go), so etcdctl and client
// libraries react as they do against etcd.
import { status } from "@grpc/grpc-js";
import { grpcStatusOf, isStoreError } from "./mvcc/index.ts";

export class EtcdError extends Error {
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
    this.name = "EtcdError";
  }
}

export const etcdErrors = {
  noLeader: () => new EtcdError(status.UNAVAILABLE, "etcdserver: no leader"),
  timeout: () => new EtcdError(status.UNAVAILABLE, "etcdserver: request timed out"),
  stopped: () => new EtcdError(status.UNAVAILABLE, "etcdserver: server stopped"),
  notLeader: () => new EtcdError(status.FAILED_PRECONDITION, "etcdserver: not leader"),
  requestTooLarge: () => new EtcdError(status.INVALID_ARGUMENT, "etcdserver: request is too large"),
  memberNotFound: () => new EtcdError(status.NOT_FOUND, "etcdserver: member not found"),
  memberExists: () => new EtcdError(status.FAILED_PRECONDITION, "etcdserver: member ID already exist"),
  peerUrlExists: () => new EtcdError(status.FAILED_PRECONDITION, "etcdserver: Peer URLs already exists"),
  memberBadUrls: () => new EtcdError(status.INVALID_ARGUMENT, "etcdserver: given member URLs are invalid"),
  notEnoughStarted: () => new EtcdError(status.FAILED_PRECONDITION, "etcdserver: re-configuration failed due to not enough started members"),
  learnerNotReady: () => new EtcdError(status.FAILED_PRECONDITION, "etcdserver: can only promote a learner member which is in sync with leader"),
  notLearner: () => new EtcdError(status.FAILED_PRECONDITION, "etcdserver: can only promote a learner member"),
  badLeaderTransferee: () => new EtcdError(status.FAILED_PRECONDITION, "etcdserver: bad leader transferee"),
  unhealthy: () => new EtcdError(status.UNAVAILABLE, "etcdserver: unhealthy cluster"),
  unimplemented: (what: string) => new EtcdError(status.UNIMPLEMENTED, `etcdserver: ${what} is not supported by skiff`),
};

/** The gRPC status for any error a handler throws. */
export function toGrpcStatus(err: unknown): { code: status; details: string } {
  if (err instanceof EtcdError) return { code: err.code, details: err.message };
  if (isStoreError(err)) {
    const s = grpcStatusOf(err);
    return { code: s.code as number as status, details: s.message };
  }
  return { code: status.UNKNOWN, details: err instanceof Error ? err.message : String(err) };
}
