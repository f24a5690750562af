// The store's whole state as bytes, for Raft snapshots. Binary and compact:
//
//   "SKMV" u8 format
//   uvarint currentRevision, svarint compactRevision (-1: never), uvarint appliedIndex
//   uvarint keyCount, then each key as length-prefixed bytes, in the order records first name them
//   uvarint leaseCount, then each lease: svarint id, svarint ttl, in id order
//   uvarint recordCount, then each record in revision order:
//     uvarint keyOrdinal, uvarint main - previous main, uvarint sub, u8 flags (1 = tombstone)
//     puts only: uvarint createRevision, uvarint version, svarint lease, bytes value
//   u32 LE CRC-32 (zlib's) of everything before it
//
// Lease attachments are not written: they follow from the keys' lease fields.
import { crc32 } from "node:zlib";
import { ByteReader, ByteWriter } from "./byte-codec.ts";
import { StoreError } from "./errors.ts";
import { KeyHistory, type RevisionRecord } from "./key-history.ts";
import { KeyIndex } from "./key-index.ts";
import { EMPTY_BYTES, keyString } from "./keys.ts";
import { LeaseTable } from "./lease-table.ts";
import { RevisionLog } from "./revision-log.ts";
import type { KeyValue } from "./types.ts";

const MAGIC = [0x53, 0x4b, 0x4d, 0x56]; // "SKMV"
const FORMAT = 1;
const TOMBSTONE = 1;

export interface StoreState {
  readonly index: KeyIndex;
  readonly log: RevisionLog;
  readonly leases: LeaseTable;
  readonly currentRevision: number;
  readonly compactRevision: number;
  readonly appliedIndex: number;
}

/**
 * Encodes a store's state as it is when constructed, a slice at a time: a
 * large store takes a few hundred milliseconds to encode, too long to hold
 * up a member's event loop. What it reads stays as it was while writes go on:
 * records and keys are immutable, the revision log only grows past the
 * records taken (a compaction replaces its array, never edits it), and the
 * leases are copied up front. Keys are numbered in the order records first
 * name them, so the same records always give the same bytes.
 */
export class SnapshotEncoder {
  private readonly records: readonly RevisionRecord[];
  private readonly recordCount: number;
  private readonly head = new ByteWriter(64);
  private readonly keys: ByteWriter;
  private readonly body: ByteWriter;
  private readonly ordinals = new Map<KeyHistory, number>();
  private next = 0;
  private main = 0;

  constructor(s: StoreState) {
    this.records = s.log.all();
    this.recordCount = this.records.length;
    const w = this.head;
    for (const b of MAGIC) w.u8(b);
    w.u8(FORMAT);
    w.uvarint(s.currentRevision);
    w.svarint(s.compactRevision);
    w.uvarint(s.appliedIndex);
    this.keys = new ByteWriter(s.index.size * 12);
    const leases = s.leases.all();
    let estimate = 64 + leases.length * 16 + this.recordCount * 16;
    for (let i = 0; i < this.recordCount; i++) estimate += this.records[i]!.kv.value.length;
    this.body = new ByteWriter(estimate);
    this.body.uvarint(leases.length);
    for (const l of leases) {
      this.body.svarint(l.id);
      this.body.svarint(l.ttl);
    }
    this.body.uvarint(this.recordCount);
  }

  /** Encodes records until `deadline` (performance.now() time) passes; true when all are done. */
  step(deadline = Infinity): boolean {
    const w = this.body;
    while (this.next < this.recordCount) {
      const stop = Math.min(this.recordCount, this.next + 512);
      for (; this.next < stop; this.next++) {
        const r = this.records[this.next]!;
        let ordinal = this.ordinals.get(r.history);
        if (ordinal === undefined) {
          ordinal = this.ordinals.size;
          this.ordinals.set(r.history, ordinal);
          this.keys.bytes(r.history.keyBytes);
        }
        w.uvarint(ordinal);
        w.uvarint(r.kv.modRevision - this.main);
        this.main = r.kv.modRevision;
        w.uvarint(r.sub);
        w.u8(r.tombstone ? TOMBSTONE : 0);
        if (r.tombstone) continue;
        w.uvarint(r.kv.createRevision);
        w.uvarint(r.kv.version);
        w.svarint(r.kv.lease);
        w.bytes(r.kv.value);
      }
      if (performance.now() > deadline) break;
    }
    return this.next === this.recordCount;
  }

  /** The snapshot, after `headroom` bytes left for the caller (call once step() returned true). */
  finish(headroom = 0): Uint8Array {
    if (this.next !== this.recordCount) throw new Error("SnapshotEncoder.finish before every record was encoded");
    const count = new ByteWriter(16);
    count.uvarint(this.ordinals.size);
    const parts = [this.head.finish(), count.finish(), this.keys.finish(), this.body.finish()];
    let size = headroom + 4;
    for (const p of parts) size += p.byteLength;
    const out = new Uint8Array(size);
    let at = headroom;
    for (const p of parts) {
      out.set(p, at);
      at += p.byteLength;
    }
    new DataView(out.buffer, out.byteOffset).setUint32(at, crc32(out.subarray(headroom, at)), true);
    return out;
  }
}

export function encodeSnapshot(s: StoreState): Uint8Array {
  const encoder = new SnapshotEncoder(s);
  encoder.step();
  return encoder.finish();
}

function invalid(detail: string): StoreError {
  return new StoreError("InvalidSnapshot", detail);
}

export function decodeSnapshot(bytes: Uint8Array): StoreState {
  if (bytes.length < MAGIC.length + 5) throw invalid("too short");
  const body = bytes.subarray(0, bytes.length - 4);
  const crc = new DataView(bytes.buffer, bytes.byteOffset + body.length, 4).getUint32(0, true);
  if (crc32(body) !== crc) throw invalid("checksum mismatch");
  // Keys and values become views into one private copy of the snapshot: one
  // allocation instead of one per value (which costs more than the copying).
  // The copy lives as long as any value from it, about the size of the data.
  const r = new ByteReader(new Uint8Array(body));
  for (const b of MAGIC) if (r.u8() !== b) throw invalid("not a store snapshot");
  const format = r.u8();
  if (format !== FORMAT) throw invalid(`unknown format ${format}`);
  const currentRevision = r.uvarint();
  const compactRevision = r.svarint();
  const appliedIndex = r.uvarint();

  const histories: KeyHistory[] = [];
  const keyCount = r.uvarint();
  for (let i = 0; i < keyCount; i++) {
    const keyBytes = r.bytes();
    histories.push(new KeyHistory(keyString(keyBytes), keyBytes));
  }
  const leases = new LeaseTable();
  const leaseCount = r.uvarint();
  for (let i = 0; i < leaseCount; i++) {
    const id = r.svarint();
    leases.add(id, r.svarint());
  }

  const log = new RevisionLog();
  const records: RevisionRecord[] = [];
  const recordCount = r.uvarint();
  let main = 0;
  let lastSub = -1;
  for (let i = 0; i < recordCount; i++) {
    const history = histories[r.uvarint()];
    if (history === undefined) throw invalid(`record ${i} names an unknown key`);
    const delta = r.uvarint();
    main += delta;
    const sub = r.uvarint();
    if (main > currentRevision || (delta === 0 && i > 0 && sub <= lastSub)) throw invalid(`record ${i} is out of order`);
    lastSub = sub;
    const tombstone = (r.u8() & TOMBSTONE) !== 0;
    let kv: KeyValue;
    if (tombstone) {
      kv = { key: history.keyBytes, createRevision: 0, modRevision: main, version: 0, value: EMPTY_BYTES, lease: 0 };
    } else {
      const createRevision = r.uvarint();
      const version = r.uvarint();
      const lease = r.svarint();
      const value = r.bytes();
      kv = { key: history.keyBytes, createRevision, modRevision: main, version, value: value.length === 0 ? EMPTY_BYTES : value, lease };
    }
    const record: RevisionRecord = { kv, sub, tombstone, history };
    history.push(record);
    records.push(record);
  }
  if (r.remaining !== 0) throw invalid(`${r.remaining} trailing bytes`);
  log.append(records);

  const index = new KeyIndex();
  for (const h of histories) {
    if (h.isEmpty) throw invalid(`key ${JSON.stringify(h.key)} has no records`);
    index.add(h);
    const live = h.live();
    if (live !== undefined && live.kv.lease !== 0) leases.attach(live.kv.lease, h.key);
  }
  return { index, log, leases, currentRevision, compactRevision, appliedIndex };
}
