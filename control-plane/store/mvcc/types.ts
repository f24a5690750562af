// The store's request and response shapes. Field names are etcd's proto fields
// (api/etcdserverpb/rpc.proto, api/mvccpb/kv.proto) in camelCase and enum values
// are etcd's numbers, so the gRPC layer converts one to one. Optional request
// fields take proto3's zero value when absent. Keys and values are bytes.

/** One revision of one key. Shared with the store: treat every field as read-only. */
export interface KeyValue {
  readonly key: Uint8Array;
  readonly createRevision: number;
  readonly modRevision: number;
  /** 1 for a key's first put after creation (or after a delete), then +1 per put. */
  readonly version: number;
  readonly value: Uint8Array;
  /** 0 when no lease is attached. */
  readonly lease: number;
}

/** What the gRPC layer completes with cluster id, member id and Raft term. */
export interface ResponseHeader {
  revision: number;
}

export enum SortOrder {
  NONE = 0,
  ASCEND = 1,
  DESCEND = 2,
}

export enum SortTarget {
  KEY = 0,
  VERSION = 1,
  CREATE = 2,
  MOD = 3,
  VALUE = 4,
}

export interface RangeRequest {
  key: Uint8Array;
  /** Empty: the single key; "\0": every key >= key; otherwise [key, rangeEnd). */
  rangeEnd?: Uint8Array;
  /** 0 or less: no limit. */
  limit?: number;
  /** 0 or less: the current revision. */
  revision?: number;
  sortOrder?: SortOrder;
  sortTarget?: SortTarget;
  /** Decided by the server (no ReadIndex); the store ignores it. */
  serializable?: boolean;
  keysOnly?: boolean;
  countOnly?: boolean;
  minModRevision?: number;
  maxModRevision?: number;
  minCreateRevision?: number;
  maxCreateRevision?: number;
}

export interface RangeResponse {
  header: ResponseHeader;
  kvs: KeyValue[];
  more: boolean;
  /** Keys in the range at the revision read, before limit and min/max filters. */
  count: number;
}

export interface PutRequest {
  key: Uint8Array;
  value?: Uint8Array;
  lease?: number;
  prevKv?: boolean;
  ignoreValue?: boolean;
  ignoreLease?: boolean;
}

export interface PutResponse {
  header: ResponseHeader;
  prevKv?: KeyValue;
}

export interface DeleteRangeRequest {
  key: Uint8Array;
  rangeEnd?: Uint8Array;
  prevKv?: boolean;
}

export interface DeleteRangeResponse {
  header: ResponseHeader;
  deleted: number;
  prevKvs: KeyValue[];
}

/** A proto oneof: exactly one field should be set. */
export interface RequestOp {
  requestRange?: RangeRequest;
  requestPut?: PutRequest;
  requestDeleteRange?: DeleteRangeRequest;
  requestTxn?: TxnRequest;
}

/** A proto oneof; empty only for an empty RequestOp, as etcd leaves it. */
export interface ResponseOp {
  responseRange?: RangeResponse;
  responsePut?: PutResponse;
  responseDeleteRange?: DeleteRangeResponse;
  responseTxn?: TxnResponse;
}

export enum CompareResult {
  EQUAL = 0,
  GREATER = 1,
  LESS = 2,
  NOT_EQUAL = 3,
}

export enum CompareTarget {
  VERSION = 0,
  CREATE = 1,
  MOD = 2,
  VALUE = 3,
  LEASE = 4,
}

/** The target_union oneof is flattened: only the field matching `target` is read. */
export interface Compare {
  result?: CompareResult;
  target?: CompareTarget;
  key: Uint8Array;
  rangeEnd?: Uint8Array;
  version?: number;
  createRevision?: number;
  modRevision?: number;
  value?: Uint8Array;
  lease?: number;
}

export interface TxnRequest {
  compare?: Compare[];
  success?: RequestOp[];
  failure?: RequestOp[];
}

export interface TxnResponse {
  /** Revision of the whole transaction; 0 in nested transactions, as etcd leaves it. */
  header: ResponseHeader;
  succeeded: boolean;
  responses: ResponseOp[];
}

export interface CompactionRequest {
  revision: number;
  /** etcd waits for the backend to be defragmented; in memory it always is. */
  physical?: boolean;
}

export interface CompactionResponse {
  header: ResponseHeader;
}

/** What applyWrite accepts: the write requests that go through Raft. */
export type WriteRequest = { put: PutRequest } | { deleteRange: DeleteRangeRequest } | { txn: TxnRequest };

export type WriteResponse = { put: PutResponse } | { deleteRange: DeleteRangeResponse } | { txn: TxnResponse };

export enum EventType {
  PUT = 0,
  DELETE = 1,
}

export interface Event {
  type: EventType;
  /** For DELETE: the key, modRevision = the delete's revision, everything else zero or empty. */
  kv: KeyValue;
  prevKv?: KeyValue;
}
