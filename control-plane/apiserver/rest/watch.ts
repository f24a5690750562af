// Watch: turns store events under a resource's prefix into Kubernetes watch
// events (ADDED, MODIFIED, DELETED, BOOKMARK, ERROR) for one client, with
// selectors applied the Kubernetes way (an object that stops matching is
// DELETED for this watcher, one that starts matching is ADDED).
import { gone } from "../errors.ts";
import type { KubeObject, ResourceType } from "../registry/types.ts";
import type { StorageError, StorageWatch, WatchEvent } from "../storage/storage.ts";
import { apiVersionOf } from "../registry/types.ts";
import { decodeShared } from "./codec.ts";
import { type ObjectStore, type Selectors, matches } from "./objects.ts";
import type { WatchCaches } from "./watch-cache.ts";

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

export interface WatchSink {
  event(type: WatchEventType, object: object): void;
  /** The watch cannot go on (compaction, store failure); the stream ends. */
  end(): void;
}

export interface WatchRequest extends Selectors {
  type: ResourceType;
  version: string;
  namespace: string | undefined;
  /** "" or "0": start with ADDED events for what exists now. */
  resourceVersion: string | undefined;
  bookmarks: boolean;
}

function bookmark(type: ResourceType, version: string, revision: number): KubeObject {
  return { kind: type.kind, apiVersion: apiVersionOf(type.group, version), metadata: { resourceVersion: String(revision) } };
}

const lines = new WeakMap<object, Map<WatchEventType, string>>();

/**
 * One watch event as a line of JSON. Objects decoded once for every watcher
 * (decodeShared) are serialized once too.
 */
export function eventLine(type: WatchEventType, object: object): string {
  let byType = lines.get(object);
  if (byType === undefined) lines.set(object, (byType = new Map()));
  let line = byType.get(type);
  if (line === undefined) byType.set(type, (line = `${JSON.stringify({ type, object })}\n`));
  return line;
}

export async function startWatch(objects: ObjectStore, caches: WatchCaches, req: WatchRequest, sink: WatchSink): Promise<StorageWatch> {
  const { type, version } = req;
  let from: number;
  if (req.resourceVersion === undefined || req.resourceVersion === "" || req.resourceVersion === "0") {
    // The cache starts first, so the list's revision falls inside its window.
    await caches.ready(type);
    const page = await objects.list(type, version, req.namespace, { ...req, limit: 0, continueToken: undefined, resourceVersion: undefined, resourceVersionMatch: undefined });
    for (const item of page.items) sink.event("ADDED", item);
    from = page.revision;
    if (req.bookmarks) sink.event("BOOKMARK", bookmark(type, version, from));
  } else {
    from = Number(req.resourceVersion);
    if (!Number.isInteger(from) || from < 0) throw gone(`too old resource version: ${req.resourceVersion}`);
  }
  const onEvents = (events: WatchEvent[]): void => {
    for (const e of events) {
      if (e.type === "progress") {
        if (req.bookmarks) sink.event("BOOKMARK", bookmark(type, version, e.revision));
        continue;
      }
      const previous = e.previous === undefined ? undefined : decodeShared(type, version, e.previous);
      const wasIn = previous !== undefined && matches(type, req, previous);
      if (e.type === "delete") {
        if (wasIn) sink.event("DELETED", { ...previous, metadata: { ...previous.metadata, resourceVersion: String(e.revision) } });
        continue;
      }
      const obj = decodeShared(type, version, e.kv);
      const isIn = matches(type, req, obj);
      if (isIn && wasIn) sink.event("MODIFIED", obj);
      else if (isIn) sink.event("ADDED", obj);
      else if (wasIn) sink.event("DELETED", obj);
    }
  };
  const onError = (err: StorageError): void => {
    const status =
      err.code === "compacted"
        ? gone(`too old resource version: ${from} (${err.compactRevision})`).toStatus()
        : { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: `watch ended: ${err.message}`, reason: "InternalError", code: 500 };
    sink.event("ERROR", status);
    sink.end();
  };
  return caches.watch(type, req.namespace, from, { onEvents, onError });
}
