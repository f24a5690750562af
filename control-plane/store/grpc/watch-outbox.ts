// What one watch stream sends. Event responses are not written as they come:
// a write applied in a batch of Raft entries produces one response per
// revision for every watcher, and most of the cost of a response is the trip
// through grpc-js and HTTP/2, not its bytes. So the events of a watch wait
// until the current batch is applied (a microtask) and go out as one
// WatchResponse, in revision order, under the header of the last revision, as
// etcd does when it delivers history to an unsynced watcher. Every other
// response (created, canceled, progress) first flushes what waits, so the
// stream's order is exactly the order in which things happened.
import type { Event } from "../mvcc/index.ts";
import type { WatchResponse } from "./etcd-services.ts";
import { encodeEventField, encodeEventsResponse, encodeHeaderField, type HeaderFields } from "./watch-wire.ts";

/** A response with more events than this is cut before the next revision (one revision is never split). */
export const maxBatchedResponseBytes = 256 * 1024;

interface PendingEvents {
  watchId: number;
  revision: number;
  fields: Uint8Array[];
  bytes: number;
}

export class WatchOutbox {
  private readonly pending = new Map<number, PendingEvents>();
  private scheduled = false;
  private closed = false;
  private lastHeader: { fields: HeaderFields; bytes: Uint8Array } | undefined;

  constructor(
    /** Writes one message: a protobufjs-shaped response or the bytes of an encoded one. */
    private readonly write: (msg: WatchResponse | Buffer) => void,
    private readonly headerOf: (revision: number) => HeaderFields,
    private readonly schedule: (flush: () => void) => void = queueMicrotask,
  ) {}

  /** The events of one revision for one watch. */
  events(watchId: number, revision: number, events: readonly Event[]): void {
    if (this.closed) return;
    let p = this.pending.get(watchId);
    const fields = events.map(encodeEventField);
    let bytes = 0;
    for (const f of fields) bytes += f.byteLength;
    if (p !== undefined && p.bytes + bytes > maxBatchedResponseBytes) {
      this.writeEvents(p);
      this.pending.delete(watchId);
      p = undefined;
    }
    if (p === undefined) {
      this.pending.set(watchId, { watchId, revision, fields, bytes });
    } else {
      p.revision = revision;
      for (const f of fields) p.fields.push(f);
      p.bytes += bytes;
    }
    if (!this.scheduled) {
      this.scheduled = true;
      this.schedule(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  /** Any other response: after everything that waits. */
  send(resp: WatchResponse): void {
    if (this.closed) return;
    this.flush();
    this.write(resp);
  }

  flush(): void {
    if (this.closed) return;
    for (const p of this.pending.values()) this.writeEvents(p);
    this.pending.clear();
  }

  /** Drops what waits; nothing more is written. */
  close(): void {
    this.closed = true;
    this.pending.clear();
  }

  private writeEvents(p: PendingEvents): void {
    this.write(encodeEventsResponse(this.header(p.revision), p.watchId, p.fields, p.bytes));
  }

  /** Most responses of a flush share a revision and term: encode their header once. */
  private header(revision: number): Uint8Array {
    const fields = this.headerOf(revision);
    const last = this.lastHeader;
    if (
      last !== undefined &&
      last.fields.revision === fields.revision &&
      last.fields.raftTerm === fields.raftTerm &&
      last.fields.memberId === fields.memberId &&
      last.fields.clusterId === fields.clusterId
    ) {
      return last.bytes;
    }
    const bytes = encodeHeaderField(fields);
    this.lastHeader = { fields, bytes };
    return bytes;
  }
}
