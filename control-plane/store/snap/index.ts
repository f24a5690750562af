// Snapshot files of the store's KV state, written atomically with a CRC.
export { SnapshotFiles, snapshotName, type SnapshotFilesOptions } from "./snapshot-files.ts";
export { SnapshotCorruptError, encodeSnapshot, decodeSnapshot } from "./snapshot-codec.ts";
