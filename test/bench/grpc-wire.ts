// The etcd v3 messages the store benchmark's load generator sends and reads,
// encoded by hand: the generator shares two cores with the three members it
// measures, so it skips protobufjs. Requests are built from templates, and
// replies are only scanned for the few fields the benchmark needs. skiff and
// etcd get exactly the same bytes.
import { putVarint, varintSize } from "../../control-plane/store/varint.ts";

export const paths = {
  put: "/etcdserverpb.KV/Put",
  range: "/etcdserverpb.KV/Range",
  watch: "/etcdserverpb.Watch/Watch",
  status: "/etcdserverpb.Maintenance/Status",
} as const;

// ---- protobuf, by hand -------------------------------------------------------

/** A gRPC length-prefixed frame around a protobuf message. */
export function frame(message: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + message.length);
  out[0] = 0;
  out.writeUInt32BE(message.length, 1);
  message.copy(out, 5);
  return out;
}

/** Appends a length-delimited field (wire type 2). */
function bytesField(buf: Buffer, at: number, field: number, value: Uint8Array): number {
  at = putVarint(buf, at, (field << 3) | 2);
  at = putVarint(buf, at, value.length);
  buf.set(value, at);
  return at + value.length;
}

function bytesFieldSize(field: number, value: Uint8Array): number {
  return varintSize((field << 3) | 2) + varintSize(value.length) + value.length;
}

/**
 * Frames for PutRequest{key, value} with a fixed-size key, built from one
 * template: each call copies it and writes the key in place.
 */
export class PutFrames {
  private readonly template: Buffer;
  private readonly keyAt: number;

  constructor(
    readonly keyBytes: number,
    value: Uint8Array,
  ) {
    const key = new Uint8Array(keyBytes);
    const size = bytesFieldSize(1, key) + bytesFieldSize(2, value);
    const msg = Buffer.alloc(size);
    bytesField(msg, bytesField(msg, 0, 1, key), 2, value);
    this.template = frame(msg);
    this.keyAt = 5 + 2; // frame prefix, tag, one-byte length (keys are short)
    if (keyBytes > 127) throw new RangeError("keys longer than 127 bytes need a longer length prefix");
  }

  /** A frame whose key is `prefix` followed by `n` big-endian in the remaining bytes. */
  next(prefix: number, n: number): Buffer {
    const out = Buffer.from(this.template);
    writeKey(out, this.keyAt, this.keyBytes, prefix, n);
    return out;
  }
}

/** Writes a `len`-byte key: one prefix byte, then `n` big-endian. */
export function writeKey(buf: Buffer, at: number, len: number, prefix: number, n: number): void {
  buf[at] = prefix;
  for (let i = len - 1; i >= 1; i--) {
    buf[at + i] = n % 256;
    n = Math.floor(n / 256);
  }
}

export function keyOf(len: number, prefix: number, n: number): Buffer {
  const k = Buffer.alloc(len);
  writeKey(k, 0, len, prefix, n);
  return k;
}

/** RangeRequest{key, serializable}. */
export function rangeFrame(key: Uint8Array, serializable: boolean): Buffer {
  const msg = Buffer.alloc(bytesFieldSize(1, key) + (serializable ? 2 : 0));
  const at = bytesField(msg, 0, 1, key);
  if (serializable) {
    msg[at] = (7 << 3) | 0; // serializable = 7, varint
    msg[at + 1] = 1;
  }
  return frame(msg);
}

/** WatchRequest{create_request: WatchCreateRequest{key, range_end}}. */
export function watchCreateFrame(key: Uint8Array, rangeEnd: Uint8Array): Buffer {
  const create = Buffer.alloc(bytesFieldSize(1, key) + bytesFieldSize(2, rangeEnd));
  bytesField(create, bytesField(create, 0, 1, key), 2, rangeEnd);
  const msg = Buffer.alloc(bytesFieldSize(1, create));
  bytesField(msg, 0, 1, create);
  return frame(msg);
}

/** What the benchmark needs from a WatchResponse: created or not, and how many events. */
export function scanWatchResponse(msg: Buffer): { created: boolean; canceled: boolean; events: number } {
  let created = false;
  let canceled = false;
  let events = 0;
  let at = 0;
  while (at < msg.length) {
    const [tag, afterTag] = readVarint(msg, at);
    at = afterTag;
    const field = tag >>> 3;
    const wire = tag & 7;
    if (wire === 0) {
      const [v, next] = readVarint(msg, at);
      at = next;
      if (field === 3) created = v !== 0;
      if (field === 4) canceled = v !== 0;
    } else if (wire === 2) {
      const [len, next] = readVarint(msg, at);
      if (field === 11) events++;
      at = next + len;
    } else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else break;
  }
  return { created, canceled, events };
}

/** StatusResponse: the member's id (from its header), the leader's id, the raft index and term. */
export function scanStatusResponse(msg: Buffer): { memberId: bigint; leader: bigint; raftIndex: number; raftTerm: number } {
  const top = scanFields(msg);
  const header = top.get(1);
  const memberId = header instanceof Buffer ? (scanFields(header).get(2) as bigint | undefined) ?? 0n : 0n;
  return {
    memberId,
    leader: (top.get(4) as bigint | undefined) ?? 0n,
    raftIndex: Number((top.get(5) as bigint | undefined) ?? 0n),
    raftTerm: Number((top.get(6) as bigint | undefined) ?? 0n),
  };
}

/** The last value of each varint (as bigint) or length-delimited (as Buffer) field. */
function scanFields(msg: Buffer): Map<number, bigint | Buffer> {
  const out = new Map<number, bigint | Buffer>();
  let at = 0;
  while (at < msg.length) {
    const [tag, afterTag] = readVarint(msg, at);
    at = afterTag;
    const field = tag >>> 3;
    const wire = tag & 7;
    if (wire === 0) {
      let v = 0n;
      let shift = 0n;
      for (;;) {
        const b = msg[at++] ?? 0;
        v |= BigInt(b & 0x7f) << shift;
        shift += 7n;
        if (b < 0x80) break;
      }
      out.set(field, v);
    } else if (wire === 2) {
      const [len, next] = readVarint(msg, at);
      out.set(field, msg.subarray(next, next + len));
      at = next + len;
    } else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else break;
  }
  return out;
}

/** A varint as a number (exact below 2^53; larger ones only need to be skipped here). */
function readVarint(buf: Buffer, at: number): [number, number] {
  let v = 0;
  let mul = 1;
  for (;;) {
    const b = buf[at++] ?? 0;
    v += (b & 0x7f) * mul;
    mul *= 128;
    if (b < 0x80) return [v, at];
  }
}

export const emptyFrame = frame(Buffer.alloc(0));
