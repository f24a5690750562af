// The apiserver's narrow storage interface (DESIGN): get, list with prefix and
// revision, create-if-absent, compare-and-swap on mod revision, delete, watch
// from revision. Values are opaque bytes; revisions are the store's.

export interface StoredValue {
  key: string;
  value: Uint8Array;
  createRevision: number;
  modRevision: number;
}

export interface ListOptions {
  /** Read at this revision (0: the newest). */
  revision?: number;
  /** At most this many keys (0: all). */
  limit?: number;
  /** Start at this key (inclusive) instead of the prefix itself. */
  startKey?: string;
  /** Answer from the local member without a quorum round (etcd's serializable read; may lag the leader slightly). */
  serializable?: boolean;
}

export interface ListResult {
  items: StoredValue[];
  /** The revision the list was read at. */
  revision: number;
  /** More keys follow the last one returned. */
  more: boolean;
  /** How many keys remain after the returned ones. */
  remaining: number;
}

/** A write that lost its condition, with what the store holds now. */
export type WriteResult = { ok: true; revision: number } | { ok: false; current: StoredValue | undefined };

export type DeleteResult = { ok: true; revision: number; previous: StoredValue } | { ok: false; current: StoredValue | undefined };

export type WatchEvent =
  | { type: "put"; kv: StoredValue; previous: StoredValue | undefined }
  | { type: "delete"; key: string; revision: number; previous: StoredValue | undefined }
  /** Nothing changed under the prefix up to this revision. */
  | { type: "progress"; revision: number };

export interface WatchHandlers {
  onEvents(events: WatchEvent[]): void;
  /** The watch ended for good: compacted (start revision too old) or the store failed. */
  onError(error: StorageError): void;
}

export interface StorageWatch {
  close(): void;
}

export type StorageErrorCode = "compacted" | "unavailable" | "internal";

export class StorageError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    /** For "compacted": the oldest revision still readable. */
    readonly compactRevision = 0,
  ) {
    super(message);
  }
}

export interface Storage {
  get(key: string): Promise<{ value: StoredValue | undefined; revision: number }>;
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  /** Creates key only if it does not exist. */
  create(key: string, value: Uint8Array): Promise<WriteResult>;
  /** Replaces key only if its mod revision is still `modRevision`. */
  update(key: string, value: Uint8Array, modRevision: number): Promise<WriteResult>;
  /** Deletes key, only if its mod revision is `modRevision` when given. */
  delete(key: string, modRevision?: number): Promise<DeleteResult>;
  /** Events under prefix after `afterRevision` (exclusive), progress notifications included. */
  watch(prefix: string, afterRevision: number, handlers: WatchHandlers): StorageWatch;
  /** The newest revision. */
  currentRevision(): Promise<number>;
  close(): void;
}

/** The key just after every key that starts with prefix (etcd's range_end). */
export function prefixEnd(prefix: Uint8Array): Uint8Array {
  const end = Uint8Array.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]! += 1;
      return end.slice(0, i + 1);
    }
  }
  return new Uint8Array([0]);
}
