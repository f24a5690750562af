// Converts the Raft core's messages to and from their protobuf form (proto/raft/raftpb.proto)
// for the peer transport. The core itself knows nothing of wire formats.
import { raftpb } from "@skiff/proto/gen/raft/raftpb.js";
import type { ConfState, Entry, EntryType, HardState, Message, MessageType, Snapshot } from "../raft/index.ts";
import { putVarint, varintSize } from "./varint.ts";

const empty = new Uint8Array(0);

function entryToProto(e: Entry): raftpb.Entry.$Properties {
  return { term: e.term, index: e.index, type: e.type as number as raftpb.EntryType, data: e.data };
}

function entryFromProto(e: raftpb.Entry.$Properties): Entry {
  return { term: Number(e.term ?? 0), index: Number(e.index ?? 0), type: (e.type ?? 0) as number as EntryType, data: e.data ?? empty };
}

function confStateFromProto(cs: raftpb.ConfState.$Properties | null | undefined): ConfState {
  return { voters: (cs?.voters ?? []).map(Number), learners: (cs?.learners ?? []).map(Number) };
}

export function snapshotToProto(s: Snapshot): raftpb.Snapshot.$Properties {
  const { index, term, confState } = s.metadata;
  return { data: s.data, metadata: { index, term, confState: { voters: confState.voters, learners: confState.learners } } };
}

export function snapshotFromProto(s: raftpb.Snapshot.$Properties): Snapshot {
  const md = s.metadata;
  return {
    data: s.data ?? empty,
    metadata: { index: Number(md?.index ?? 0), term: Number(md?.term ?? 0), confState: confStateFromProto(md?.confState) },
  };
}

export function messageToProto(m: Message): raftpb.Message.$Properties {
  const out: raftpb.Message.$Properties = {
    type: m.type as number as raftpb.MessageType,
    to: m.to,
    from: m.from,
    term: m.term,
    logTerm: m.logTerm,
    index: m.index,
    entries: m.entries.map(entryToProto),
    commit: m.commit,
    reject: m.reject,
    rejectHint: m.rejectHint,
  };
  if (m.snapshot !== undefined) out.snapshot = snapshotToProto(m.snapshot);
  if (m.context !== undefined) out.context = m.context;
  return out;
}

export function messageFromProto(p: raftpb.Message.$Properties): Message {
  const m: Message = {
    type: (p.type ?? 0) as number as MessageType,
    to: Number(p.to ?? 0),
    from: Number(p.from ?? 0),
    term: Number(p.term ?? 0),
    logTerm: Number(p.logTerm ?? 0),
    index: Number(p.index ?? 0),
    entries: (p.entries ?? []).map(entryFromProto),
    commit: Number(p.commit ?? 0),
    reject: p.reject ?? false,
    rejectHint: Number(p.rejectHint ?? 0),
  };
  if (p.snapshot !== undefined && p.snapshot !== null) m.snapshot = snapshotFromProto(p.snapshot);
  if (p.context !== undefined && p.context !== null && p.context.byteLength > 0) m.context = p.context;
  return m;
}

/**
 * Encodes the messages for one peer into a single frame (raftpb.MessageBatch).
 * Written by hand: it runs for every Ready on every member, and protobufjs
 * builds an object per message, per entry and per field on the way. The bytes
 * are plain proto3 (fields in order, zeros left out) that protobufjs decodes too.
 */
export function encodeBatch(messages: Message[]): Uint8Array {
  const sizes = messages.map(messageSize);
  let total = 0;
  for (const s of sizes) total += 1 + varintSize(s.size) + s.size;
  const buf = Buffer.allocUnsafe(total);
  let at = 0;
  messages.forEach((m, i) => {
    buf[at++] = (1 << 3) | 2;
    at = putVarint(buf, at, sizes[i]!.size);
    at = writeMessage(buf, at, m, sizes[i]!);
  });
  return buf;
}

export function decodeBatch(bytes: Uint8Array): Message[] {
  const r = new Reader(bytes);
  const out: Message[] = [];
  while (r.pos < r.end) {
    const tag = r.varint();
    if (tag === ((1 << 3) | 2)) {
      const len = r.varint();
      out.push(readMessage(r, r.pos + len));
    } else r.skip(tag & 7);
  }
  return out;
}

// ---- the hand-written MessageBatch codec ------------------------------------

interface MessageSize {
  size: number;
  entries: number[];
  snapshot: Uint8Array | undefined;
}

function uintField(n: number): number {
  return n === 0 ? 0 : 1 + varintSize(n);
}

function bytesField(len: number): number {
  return 1 + varintSize(len) + len;
}

function entrySize(e: Entry): number {
  return uintField(e.type) + uintField(e.term) + uintField(e.index) + (e.data.byteLength === 0 ? 0 : bytesField(e.data.byteLength));
}

function messageSize(m: Message): MessageSize {
  let size =
    uintField(m.type) + uintField(m.to) + uintField(m.from) + uintField(m.term) + uintField(m.logTerm) + uintField(m.index) + uintField(m.commit) + uintField(m.rejectHint);
  if (m.reject) size += 2;
  const entries = m.entries.map(entrySize);
  for (const e of entries) size += bytesField(e);
  // Snapshots are rare and big: protobufjs encodes them.
  const snapshot = m.snapshot === undefined ? undefined : raftpb.Snapshot.encode(snapshotToProto(m.snapshot)).finish();
  if (snapshot !== undefined) size += bytesField(snapshot.byteLength);
  if (m.context !== undefined && m.context.byteLength > 0) size += bytesField(m.context.byteLength);
  return { size, entries, snapshot };
}

function putUint(buf: Uint8Array, at: number, field: number, n: number): number {
  if (n === 0) return at;
  buf[at++] = field << 3;
  return putVarint(buf, at, n);
}

function putBytes(buf: Uint8Array, at: number, field: number, b: Uint8Array): number {
  buf[at++] = (field << 3) | 2;
  at = putVarint(buf, at, b.byteLength);
  buf.set(b, at);
  return at + b.byteLength;
}

function writeMessage(buf: Uint8Array, at: number, m: Message, s: MessageSize): number {
  at = putUint(buf, at, 1, m.type);
  at = putUint(buf, at, 2, m.to);
  at = putUint(buf, at, 3, m.from);
  at = putUint(buf, at, 4, m.term);
  at = putUint(buf, at, 5, m.logTerm);
  at = putUint(buf, at, 6, m.index);
  m.entries.forEach((e, i) => {
    buf[at++] = (7 << 3) | 2;
    at = putVarint(buf, at, s.entries[i]!);
    at = putUint(buf, at, 1, e.type);
    at = putUint(buf, at, 2, e.term);
    at = putUint(buf, at, 3, e.index);
    if (e.data.byteLength > 0) at = putBytes(buf, at, 4, e.data);
  });
  at = putUint(buf, at, 8, m.commit);
  if (s.snapshot !== undefined) at = putBytes(buf, at, 9, s.snapshot);
  if (m.reject) {
    buf[at++] = 10 << 3;
    buf[at++] = 1;
  }
  at = putUint(buf, at, 11, m.rejectHint);
  if (m.context !== undefined && m.context.byteLength > 0) at = putBytes(buf, at, 12, m.context);
  return at;
}

class Reader {
  pos: number;
  readonly end: number;

  constructor(readonly buf: Uint8Array) {
    this.pos = 0;
    this.end = buf.byteLength;
  }

  varint(): number {
    let v = 0;
    let mul = 1;
    for (;;) {
      if (this.pos >= this.end) throw new RangeError("truncated varint in a Raft message batch");
      const b = this.buf[this.pos++]!;
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 128;
    }
  }

  bytes(): Uint8Array {
    const len = this.varint();
    if (this.pos + len > this.end) throw new RangeError("truncated field in a Raft message batch");
    const b = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return b;
  }

  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.pos += this.varint();
    else if (wire === 5) this.pos += 4;
    else throw new RangeError(`unexpected wire type ${wire} in a Raft message batch`);
  }
}

function readEntry(r: Reader, end: number): Entry {
  const e: Entry = { term: 0, index: 0, type: 0 as EntryType, data: empty };
  while (r.pos < end) {
    const tag = r.varint();
    switch (tag) {
      case 1 << 3:
        e.type = r.varint() as EntryType;
        break;
      case 2 << 3:
        e.term = r.varint();
        break;
      case 3 << 3:
        e.index = r.varint();
        break;
      case (4 << 3) | 2:
        e.data = r.bytes();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return e;
}

function readMessage(r: Reader, end: number): Message {
  const m: Message = { type: 0 as MessageType, to: 0, from: 0, term: 0, logTerm: 0, index: 0, entries: [], commit: 0, reject: false, rejectHint: 0 };
  while (r.pos < end) {
    const tag = r.varint();
    switch (tag) {
      case 1 << 3:
        m.type = r.varint() as MessageType;
        break;
      case 2 << 3:
        m.to = r.varint();
        break;
      case 3 << 3:
        m.from = r.varint();
        break;
      case 4 << 3:
        m.term = r.varint();
        break;
      case 5 << 3:
        m.logTerm = r.varint();
        break;
      case 6 << 3:
        m.index = r.varint();
        break;
      case (7 << 3) | 2: {
        const len = r.varint();
        m.entries.push(readEntry(r, r.pos + len));
        break;
      }
      case 8 << 3:
        m.commit = r.varint();
        break;
      case (9 << 3) | 2:
        m.snapshot = snapshotFromProto(raftpb.Snapshot.decode(r.bytes()));
        break;
      case 10 << 3:
        m.reject = r.varint() !== 0;
        break;
      case 11 << 3:
        m.rejectHint = r.varint();
        break;
      case (12 << 3) | 2: {
        const ctx = r.bytes();
        if (ctx.byteLength > 0) m.context = ctx;
        break;
      }
      default:
        r.skip(tag & 7);
    }
  }
  if (r.pos !== end) throw new RangeError("a Raft message runs past its length");
  return m;
}

export function encodeHardState(hs: HardState): Uint8Array {
  return raftpb.HardState.encode(hs).finish();
}

export function decodeHardState(bytes: Uint8Array): HardState {
  const hs = raftpb.HardState.decode(bytes);
  return { term: Number(hs.term), vote: Number(hs.vote), commit: Number(hs.commit) };
}
