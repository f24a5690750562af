// Tunables and the log sink of the WAL.

export type WalLogger = (event: Record<string, unknown>) => void;

export interface WalOptions {
  /** A segment is closed and a new one started once it reaches this size. Default 64 MiB, as etcd. */
  segmentBytes?: number;
  /**
   * Zero-filled space kept ahead of the records in the active segment, so an
   * fsync does not also have to write the file's growing size (etcd
   * preallocates its segments too). 0, the default, turns it off.
   */
  preallocateBytes?: number;
  /** Structured events (torn tail cut, segments released, ...). Default: one JSON line on stderr. */
  logger?: WalLogger;
  /** Told how long each fsync of the records took (etcd's wal_fsync_duration_seconds). */
  onFsync?: (seconds: number) => void;
}

export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;

export const stderrLogger: WalLogger = (event) => {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), component: "wal", ...event })}\n`);
};
