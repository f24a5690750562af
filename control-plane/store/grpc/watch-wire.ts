// Hand-written protobuf encoding of the WatchResponses that carry events.
// One revision goes to every watcher of its keys, so the bytes of each event
// are built once (cached on the shared Event object) and a watcher's response
// is its header, its watch id and those bytes copied side by side: no
// protobufjs message per watcher. Zero fields are left out, as Go's encoder
// does; decoders read them back as zero either way.
import type { Event, KeyValue } from "../mvcc/index.ts";
import { putVarint, varintSize } from "../varint.ts";

/** Field tags: (field number << 3) | wire type (0 varint, 2 length-delimited). */
const tag = {
  header: 0x0a, // WatchResponse.header = 1
  watchId: 0x10, // WatchResponse.watch_id = 2
  events: 0x5a, // WatchResponse.events = 11
  eventType: 0x08, // Event.type = 1
  eventKv: 0x12, // Event.kv = 2
  eventPrevKv: 0x1a, // Event.prev_kv = 3
} as const;

export interface HeaderFields {
  clusterId: number;
  memberId: number;
  revision: number;
  raftTerm: number;
}

/** Size of a varint field (tag + value), 0 when the value is zero and so left out. */
function varintFieldSize(n: number): number {
  return n === 0 ? 0 : 1 + varintSize(n);
}

function putVarintField(buf: Uint8Array, pos: number, fieldTag: number, n: number): number {
  if (n === 0) return pos;
  buf[pos++] = fieldTag;
  return putVarint(buf, pos, n);
}

function bytesFieldSize(len: number): number {
  return len === 0 ? 0 : 1 + varintSize(len) + len;
}

function putBytesField(buf: Uint8Array, pos: number, fieldTag: number, bytes: Uint8Array): number {
  if (bytes.byteLength === 0) return pos;
  buf[pos++] = fieldTag;
  pos = putVarint(buf, pos, bytes.byteLength);
  buf.set(bytes, pos);
  return pos + bytes.byteLength;
}

/** mvccpb.KeyValue; a KeyValue object stands for one revision of a key, so its bytes never change. */
const keyValueBytes = new WeakMap<KeyValue, Uint8Array>();

export function encodeKeyValue(kv: KeyValue): Uint8Array {
  let out = keyValueBytes.get(kv);
  if (out !== undefined) return out;
  const size =
    bytesFieldSize(kv.key.byteLength) +
    varintFieldSize(kv.createRevision) +
    varintFieldSize(kv.modRevision) +
    varintFieldSize(kv.version) +
    bytesFieldSize(kv.value.byteLength) +
    varintFieldSize(kv.lease);
  out = new Uint8Array(size);
  let pos = putBytesField(out, 0, 0x0a, kv.key);
  pos = putVarintField(out, pos, 0x10, kv.createRevision);
  pos = putVarintField(out, pos, 0x18, kv.modRevision);
  pos = putVarintField(out, pos, 0x20, kv.version);
  pos = putBytesField(out, pos, 0x2a, kv.value);
  putVarintField(out, pos, 0x30, kv.lease);
  keyValueBytes.set(kv, out);
  return out;
}

/** The whole `events` field (tag, length, mvccpb.Event) for one event; cached on the Event object. */
const eventFieldBytes = new WeakMap<Event, Uint8Array>();

export function encodeEventField(event: Event): Uint8Array {
  let out = eventFieldBytes.get(event);
  if (out !== undefined) return out;
  const kv = encodeKeyValue(event.kv);
  const prev = event.prevKv === undefined ? undefined : encodeKeyValue(event.prevKv);
  // Set message fields are written even when empty, as every encoder does.
  const body = varintFieldSize(event.type) + 1 + varintSize(kv.byteLength) + kv.byteLength + (prev === undefined ? 0 : 1 + varintSize(prev.byteLength) + prev.byteLength);
  out = new Uint8Array(1 + varintSize(body) + body);
  out[0] = tag.events;
  let pos = putVarint(out, 1, body);
  pos = putVarintField(out, pos, tag.eventType, event.type);
  out[pos++] = tag.eventKv;
  pos = putVarint(out, pos, kv.byteLength);
  out.set(kv, pos);
  pos += kv.byteLength;
  if (prev !== undefined) {
    out[pos++] = tag.eventPrevKv;
    pos = putVarint(out, pos, prev.byteLength);
    out.set(prev, pos);
  }
  eventFieldBytes.set(event, out);
  return out;
}

/** The `header` field (tag, length, ResponseHeader). */
export function encodeHeaderField(h: HeaderFields): Uint8Array {
  const body = varintFieldSize(h.clusterId) + varintFieldSize(h.memberId) + varintFieldSize(h.revision) + varintFieldSize(h.raftTerm);
  const out = new Uint8Array(1 + varintSize(body) + body);
  out[0] = tag.header;
  let pos = putVarint(out, 1, body);
  pos = putVarintField(out, pos, 0x08, h.clusterId);
  pos = putVarintField(out, pos, 0x10, h.memberId);
  pos = putVarintField(out, pos, 0x18, h.revision);
  putVarintField(out, pos, 0x20, h.raftTerm);
  return out;
}

/** A WatchResponse with events: header, watch id, then the pre-encoded event fields in order. */
export function encodeEventsResponse(headerField: Uint8Array, watchId: number, eventFields: readonly Uint8Array[], eventBytes: number): Buffer {
  const out = Buffer.allocUnsafe(headerField.byteLength + varintFieldSize(watchId) + eventBytes);
  out.set(headerField, 0);
  let pos = putVarintField(out, headerField.byteLength, tag.watchId, watchId);
  for (const f of eventFields) {
    out.set(f, pos);
    pos += f.byteLength;
  }
  return out;
}
