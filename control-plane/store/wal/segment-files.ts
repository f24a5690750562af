// Segment files are named like etcd's: `%016x-%016x.wal`, the sequence number
// and the index just past the last entry when the segment was started. A
// segment may still hold entries below its name's index (a new leader
// overwriting a suffix writes into the active segment), but every live entry
// above that index is in this segment or a later one, which is what lets a
// reader start at the last segment whose name is at or before a snapshot.
import { readdir, unlink } from "node:fs/promises";
import { join } from "node:path";
import { isNotFound } from "./durable-fs.ts";
import { WalCorruptError } from "./errors.ts";

export interface SegmentInfo {
  seq: number;
  firstIndex: number;
  path: string;
}

/** Suffix of a segment being created; it only gets its real name once complete and fsync'd. */
export const TEMP_SUFFIX = ".tmp";

const NAME = /^([0-9a-f]{16})-([0-9a-f]{16})\.wal$/;

function hex16(n: number): string {
  return n.toString(16).padStart(16, "0");
}

export function segmentName(seq: number, firstIndex: number): string {
  return `${hex16(seq)}-${hex16(firstIndex)}.wal`;
}

export function parseSegmentName(name: string): { seq: number; firstIndex: number } | undefined {
  const m = NAME.exec(name);
  if (!m) return undefined;
  const seq = Number.parseInt(m[1] ?? "", 16);
  const firstIndex = Number.parseInt(m[2] ?? "", 16);
  if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(firstIndex)) return undefined;
  return { seq, firstIndex };
}

/**
 * The directory's segments in sequence order. Leftover temp files from a crash
 * during segment creation are removed (they were never acknowledged into).
 * Throws if the sequence has a hole: a missing segment means missing entries.
 */
export async function listSegments(dir: string, onTempRemoved?: (path: string) => void): Promise<SegmentInfo[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
  const segments: SegmentInfo[] = [];
  for (const name of names) {
    if (name.endsWith(`.wal${TEMP_SUFFIX}`)) {
      await unlink(join(dir, name));
      onTempRemoved?.(join(dir, name));
      continue;
    }
    const parsed = parseSegmentName(name);
    if (parsed) segments.push({ ...parsed, path: join(dir, name) });
  }
  segments.sort((a, b) => a.seq - b.seq);
  for (let i = 1; i < segments.length; i++) {
    const prev = segments[i - 1]!;
    const cur = segments[i]!;
    if (cur.seq !== prev.seq + 1) {
      throw new WalCorruptError(cur.path, 0, `segment sequence jumps from ${prev.seq} to ${cur.seq}; a segment is missing`);
    }
  }
  return segments;
}

/** Position of the last segment whose name is at or before `index` (where a reader from that snapshot must start), or -1. */
export function startSegment(segments: readonly SegmentInfo[], index: number): number {
  for (let i = segments.length - 1; i >= 0; i--) {
    if (segments[i]!.firstIndex <= index) return i;
  }
  return -1;
}
