// The store's write-ahead log: CRC-framed records in rotated segment files,
// group-committed fsyncs, torn-tail repair and snapshot-point replay.
export { Wal, type SaveOptions, type WalContents } from "./wal.ts";
export { WalError, WalCorruptError, isWalError, type WalErrorCode } from "./errors.ts";
export { type WalOptions, type WalLogger, DEFAULT_SEGMENT_BYTES } from "./options.ts";
export type { SnapshotPoint } from "./records.ts";
export type { RepairedTail } from "./wal-read.ts";
