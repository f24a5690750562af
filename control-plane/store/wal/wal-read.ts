// Reading a WAL directory back at start: pick the segments a snapshot point
// needs, replay them, and cut a torn tail so appends continue after the last
// whole record.
import { open, readFile } from "node:fs/promises";
import type { Entry, HardState } from "../../raft/index.ts";
import { WalError } from "./errors.ts";
import { RecordType } from "./frame.ts";
import type { WalLogger } from "./options.ts";
import type { SnapshotPoint } from "./records.ts";
import { Replay } from "./replay.ts";
import { listSegments, startSegment, type SegmentInfo } from "./segment-files.ts";
import { readSegment } from "./segment-reader.ts";

export interface RepairedTail {
  file: string;
  offset: number;
  droppedBytes: number;
}

export interface RecoveredWal {
  /** Every segment in the directory, including ones before the snapshot point that were not read. */
  segments: SegmentInfo[];
  metadata: Uint8Array;
  hardState: HardState;
  entries: Entry[];
  lastIndex: number;
  lastSnapshot: SnapshotPoint;
  /** Where the records of the last segment end, after any repair: the next append goes there. */
  tailSize: number;
  repairedTail?: RepairedTail;
}

export async function recoverWal(dir: string, from: SnapshotPoint, log: WalLogger): Promise<RecoveredWal> {
  const segments = await listSegments(dir, (path) => log({ event: "wal-temp-segment-removed", file: path }));
  if (segments.length === 0) throw new WalError("not-found", `no WAL segments in ${dir}`);
  const start = startSegment(segments, from.index);
  if (start < 0) {
    throw new WalError("snapshot-not-found", `no WAL segment in ${dir} reaches back to the snapshot at index ${from.index}`);
  }
  const replay = new Replay(from);
  let tailSize = 0;
  let repairedTail: RepairedTail | undefined;
  for (let i = start; i < segments.length; i++) {
    const segment = segments[i]!;
    const isLast = i === segments.length - 1;
    const buf = await readFile(segment.path);
    const { end, torn } = readSegment(buf, segment, isLast, replay.apply);
    tailSize = end;
    if (torn !== undefined) {
      await truncateDurably(segment.path, torn.offset);
      repairedTail = { file: segment.path, offset: torn.offset, droppedBytes: buf.length - torn.offset };
      tailSize = torn.offset;
      log({ event: "wal-torn-tail-cut", ...repairedTail, reason: torn.reason });
    }
  }
  const { metadata, lastSnapshot } = replay.finish(segments[start]!.path);
  const recovered: RecoveredWal = {
    segments,
    metadata,
    hardState: replay.hardState,
    entries: replay.entries,
    lastIndex: replay.lastIndex,
    lastSnapshot,
    tailSize,
  };
  if (repairedTail) recovered.repairedTail = repairedTail;
  return recovered;
}

async function truncateDurably(path: string, size: number): Promise<void> {
  const handle = await open(path, "r+");
  try {
    await handle.truncate(size);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * The snapshot points recorded in the WAL that it can actually start from:
 * those at or below the last hard state's commit index (etcd's
 * ValidSnapshotEntries). A member picks the newest snapshot file among these,
 * so a snapshot file written just before a crash, whose marker never made it,
 * is not used. Read-only: a torn tail is skipped, not cut.
 */
export async function readSnapshotMarkers(dir: string): Promise<SnapshotPoint[]> {
  const segments = await listSegments(dir);
  const markers = new Map<number, SnapshotPoint>();
  let commit = 0;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const buf = await readFile(segment.path);
    readSegment(buf, segment, i === segments.length - 1, (r) => {
      if (r.type === RecordType.SnapshotMarker) markers.set(r.snapshot.index, r.snapshot);
      else if (r.type === RecordType.HardState) commit = r.hardState.commit;
    });
  }
  return [...markers.values()].filter((m) => m.index <= commit).sort((a, b) => a.index - b.index);
}
