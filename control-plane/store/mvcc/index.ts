// The store's state machine: MVCC key-value store with etcd v3 semantics,
// its watchers, request validation and errors.
export type { SnapshotEncoder } from "./snapshot-codec.ts";
export { MvccStore, type MvccStoreOptions, type HashKVResult } from "./store.ts";
export { StoreError, isStoreError, grpcStatusOf, storeErrors, GrpcCode, type StoreErrorCode } from "./errors.ts";
export { validateRange, validatePut, validateDeleteRange, validateTxn, validateWrite, MAX_TXN_OPS } from "./validate.ts";
export { LeaseTable, type LeaseRecord } from "./lease-table.ts";
export { WatchFilterType, type WatchRequest, type WatchResponse, type WatchSink, type Watcher, type WatchCompacted } from "./watch-types.ts";
export type { SinkErrorHandler } from "./watch-hub.ts";
export * from "./types.ts";
