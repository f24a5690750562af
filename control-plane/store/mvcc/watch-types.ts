// The watch API of the store: field names as etcd's WatchCreateRequest and
// WatchResponse (rpc.proto), so the gRPC watch stream converts one to one.
import type { Event } from "./types.ts";

export enum WatchFilterType {
  /** Drop PUT events. */
  NOPUT = 0,
  /** Drop DELETE events. */
  NODELETE = 1,
}

export interface WatchRequest {
  key: Uint8Array;
  /** As in a range: empty for one key, "\0" for every key >= key, else [key, rangeEnd). */
  rangeEnd?: Uint8Array;
  /** 0 or absent: from the next revision on. Older revisions replay history first. */
  startRevision?: number;
  prevKv?: boolean;
  filters?: WatchFilterType[];
}

export interface WatchResponse {
  /**
   * Events of one revision, in the order the write transaction made them. Empty only when canceled.
   * The Event objects are shared by every watcher of the revision: read-only.
   */
  events: Event[];
  /** The revision of the events (the store's revision when canceled). */
  revision: number;
  /** Set, with compactRevision, when a compaction removed history this watcher still needed; it is then dead. */
  canceled?: boolean;
  compactRevision?: number;
}

/**
 * Receives a watcher's responses. It runs inside the store's apply (or
 * syncWatchers) call: queue the response and return. A sink that throws is
 * canceled and its error handed to the store's onSinkError.
 */
export type WatchSink = (resp: WatchResponse) => void;

export interface Watcher {
  readonly compacted: false;
  /** Unique within the store; the gRPC layer keeps its own watch ids. */
  readonly id: number;
  /** False while history is still owed (call syncWatchers); progress notifications wait for true, as in etcd. */
  readonly synced: boolean;
  readonly canceled: boolean;
  /** Stops the watcher; no response follows. Idempotent. */
  cancel(): void;
}

/** watch()'s answer when the start revision is older than the compaction point. */
export interface WatchCompacted {
  readonly compacted: true;
  readonly compactRevision: number;
}
