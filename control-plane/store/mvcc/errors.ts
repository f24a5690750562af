// Typed errors of the store (MVCC and leases). The message is etcd's own text,
// so clients that match on it (etcdctl, client libraries) behave the same; the
// gRPC layer turns an error into a status with `grpcStatusOf`.

export type StoreErrorCode =
  | "Compacted" // the revision asked for is older than the compaction point
  | "FutureRevision" // the revision asked for is newer than the store
  | "EmptyKey" // a request without a key
  | "KeyNotFound" // put with ignore_value/ignore_lease on a missing key; an empty RequestOp
  | "ValueProvided" // put with ignore_value and a value
  | "LeaseProvided" // put with ignore_lease and a lease
  | "TooManyOps" // a txn over the op limit
  | "DuplicateKey" // a txn that writes one key twice (put/put or put/delete)
  | "InvalidSortOption" // a sort order or target that etcd does not define
  | "LeaseNotFound" // no lease with that id
  | "LeaseExists" // grant of an id already in use
  | "LeaseTtlTooLarge" // grant over MAX_LEASE_TTL
  | "NotPrimary" // a leader-only lease call on a follower (etcd forwards it)
  | "InvalidSnapshot"; // snapshot bytes that do not decode or fail their checksum

/** gRPC status codes (grpc/codes) that store errors map to. */
export enum GrpcCode {
  InvalidArgument = 3,
  NotFound = 5,
  FailedPrecondition = 9,
  OutOfRange = 11,
  DataLoss = 15,
}

interface ErrorSpec {
  /** etcd's error text: the mvcc package's for revisions, the gRPC status text (rpctypes) for the rest. */
  message: string;
  grpcCode: GrpcCode;
  /** What etcd's gRPC status says; rpctypes prefixes the mvcc errors with "etcdserver: ". */
  grpcMessage: string;
}

function spec(message: string, grpcCode: GrpcCode, grpcMessage = message): ErrorSpec {
  return { message, grpcCode, grpcMessage };
}

/** The documented mapping (etcd's api/v3rpc/rpctypes/error.go and v3rpc/util.go). */
export const storeErrors: Readonly<Record<StoreErrorCode, ErrorSpec>> = {
  Compacted: spec("mvcc: required revision has been compacted", GrpcCode.OutOfRange, "etcdserver: mvcc: required revision has been compacted"),
  FutureRevision: spec("mvcc: required revision is a future revision", GrpcCode.OutOfRange, "etcdserver: mvcc: required revision is a future revision"),
  EmptyKey: spec("etcdserver: key is not provided", GrpcCode.InvalidArgument),
  KeyNotFound: spec("etcdserver: key not found", GrpcCode.InvalidArgument),
  ValueProvided: spec("etcdserver: value is provided", GrpcCode.InvalidArgument),
  LeaseProvided: spec("etcdserver: lease is provided", GrpcCode.InvalidArgument),
  TooManyOps: spec("etcdserver: too many operations in txn request", GrpcCode.InvalidArgument),
  DuplicateKey: spec("etcdserver: duplicate key given in txn request", GrpcCode.InvalidArgument),
  InvalidSortOption: spec("etcdserver: invalid sort option", GrpcCode.InvalidArgument),
  LeaseNotFound: spec("etcdserver: requested lease not found", GrpcCode.NotFound),
  LeaseExists: spec("etcdserver: lease already exists", GrpcCode.FailedPrecondition),
  LeaseTtlTooLarge: spec("etcdserver: too large lease TTL", GrpcCode.OutOfRange),
  NotPrimary: spec("not a primary lessor", GrpcCode.FailedPrecondition, "etcdserver: not leader"),
  InvalidSnapshot: spec("mvcc: invalid snapshot", GrpcCode.DataLoss, "etcdserver: corrupt cluster"),
};

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    detail?: string,
  ) {
    super(detail === undefined ? storeErrors[code].message : `${storeErrors[code].message}: ${detail}`);
    this.name = "StoreError";
  }
}

export function isStoreError(err: unknown, code?: StoreErrorCode): err is StoreError {
  return err instanceof StoreError && (code === undefined || err.code === code);
}

/** The gRPC status the server answers with for a store error. */
export function grpcStatusOf(err: StoreError): { code: GrpcCode; message: string } {
  const s = storeErrors[err.code];
  return { code: s.grpcCode, message: s.grpcMessage };
}
