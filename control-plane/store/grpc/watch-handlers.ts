// The Watch service: one bidirectional stream holds many watches. Each create
// is answered with `created`, then events arrive per revision; a watch whose
// start revision was compacted is created and then canceled with the compact
// revision, as etcd does; a progress request is answered with watch id -1.
import type { ServerDuplexStream } from "@grpc/grpc-js";
import type { StoreMember } from "../member/store-member.ts";
import type { Watcher, WatchRequest as StoreWatchRequest, WatchResponse as StoreWatchResponse } from "../mvcc/index.ts";
import { plain } from "../proto-plain.ts";
import type { WatchRequest, WatchResponse } from "./etcd-services.ts";
import { WatchOutbox } from "./watch-outbox.ts";

interface CreateRequest extends StoreWatchRequest {
  watchId?: number;
  progressNotify?: boolean;
}

interface StreamWatch {
  watcher: Watcher;
  progressNotify: boolean;
}

/** etcd's default progress notification interval. */
const progressIntervalMs = 10 * 60 * 1000;

export function watchHandlers(member: StoreMember) {
  return {
    watch: (call: ServerDuplexStream<WatchRequest, WatchResponse | Buffer>) => serveWatchStream(member, call),
  };
}

function serveWatchStream(member: StoreMember, call: ServerDuplexStream<WatchRequest, WatchResponse | Buffer>): void {
  const watches = new Map<number, StreamWatch>();
  let nextId = 0;
  let closed = false;
  const outbox = new WatchOutbox(
    (msg) => call.write(msg),
    (revision) => {
      const h = member.header(revision);
      return { clusterId: Number(h.clusterId), memberId: Number(h.memberId), revision, raftTerm: Number(h.raftTerm) };
    },
  );
  const send = (resp: WatchResponse): void => outbox.send(resp);

  const progress = setInterval(() => {
    for (const [watchId, w] of watches) {
      if (w.progressNotify && w.watcher.synced) send({ header: member.header(member.machine.mvcc.progress()), watchId, events: [] });
    }
  }, progressIntervalMs);
  progress.unref();

  const create = (c: CreateRequest): void => {
    let watchId = c.watchId ?? 0;
    if (watchId <= 0) {
      while (watches.has(nextId)) nextId++;
      watchId = nextId++;
    } else if (watches.has(watchId)) {
      send({ header: member.header(), watchId, created: true, canceled: true, cancelReason: "etcdserver: duplicate watch ID" });
      return;
    }
    const sink = (r: StoreWatchResponse): void => {
      if (r.canceled === true) {
        watches.delete(watchId);
        send({ header: member.header(r.revision), watchId, canceled: true, compactRevision: r.compactRevision ?? 0 });
        return;
      }
      outbox.events(watchId, r.revision, r.events);
    };
    const req: StoreWatchRequest = { key: c.key ?? new Uint8Array(0), startRevision: c.startRevision ?? 0 };
    if (c.rangeEnd !== undefined) req.rangeEnd = c.rangeEnd;
    if (c.prevKv === true) req.prevKv = true;
    if (c.filters !== undefined) req.filters = c.filters;
    const w = member.machine.mvcc.watch(req, sink);
    send({ header: member.header(), watchId, created: true });
    if (w.compacted) {
      send({ header: member.header(), watchId, canceled: true, compactRevision: w.compactRevision });
      return;
    }
    watches.set(watchId, { watcher: w, progressNotify: c.progressNotify === true });
    // A watch from an old revision owes history: deliver it now.
    member.syncWatchers();
  };

  call.on("data", (raw: WatchRequest) => {
    const req = plain<{ createRequest?: CreateRequest; cancelRequest?: { watchId?: number }; progressRequest?: object }>(raw);
    if (req.createRequest !== undefined) {
      create(req.createRequest);
    } else if (req.cancelRequest !== undefined) {
      const id = req.cancelRequest.watchId ?? 0;
      const w = watches.get(id);
      if (w === undefined) return;
      w.watcher.cancel();
      watches.delete(id);
      send({ header: member.header(), watchId: id, canceled: true });
    } else if (req.progressRequest !== undefined) {
      send({ header: member.header(member.machine.mvcc.progress()), watchId: -1, events: [] });
    }
  });
  const close = (): void => {
    if (closed) return;
    closed = true;
    outbox.close();
    clearInterval(progress);
    for (const w of watches.values()) w.watcher.cancel();
    watches.clear();
  };
  call.on("end", () => {
    close();
    call.end();
  });
  call.on("cancelled", close);
  call.on("error", close);
  call.on("close", close);
}
