// The active segment: one FileHandle, appended to at a tracked offset.
// A new segment is written under a temp name, fsync'd, then renamed and the
// directory fsync'd, so a segment with its final name always has a whole
// header and a crash mid-creation leaves only a temp file to discard.
//
// Preallocation (as etcd's WAL does it): the file is filled with zeros ahead
// of the records, in the background, so appends land inside the file and
// their fdatasync flushes only data, not the file's new size through the
// file system's journal (several times faster here). A fill never touches
// bytes an append may write: appends that would pass the filled space wait
// for the fill under way.
import { writeSync } from "node:fs";
import { open, rename, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { fsyncDir } from "./durable-fs.ts";
import { segmentName, TEMP_SUFFIX, type SegmentInfo } from "./segment-files.ts";

export interface SyncCounter {
  fsyncs: number;
}

export interface Preallocation {
  /** Zero-filled bytes kept ahead of the records; 0 turns preallocation off. */
  chunkBytes: number;
  /** Never preallocate past this file size (the segment size limit). */
  limitBytes: number;
}

const noPreallocation: Preallocation = { chunkBytes: 0, limitBytes: 0 };
const zeros = Buffer.alloc(1 << 20);

export class SegmentWriter {
  /** Bytes that exist in the file: written records and zero fill. */
  private allocated: number;
  private filling: Promise<void> | undefined = undefined;
  private closed = false;

  private constructor(
    readonly segment: SegmentInfo,
    private readonly handle: FileHandle,
    private offset: number,
    private readonly counter: SyncCounter,
    fileSize: number,
    private prealloc: Preallocation,
  ) {
    this.allocated = Math.max(fileSize, offset);
  }

  /** Bytes in the segment so far. */
  get size(): number {
    return this.offset;
  }

  static async create(
    dir: string,
    seq: number,
    firstIndex: number,
    header: Buffer,
    counter: SyncCounter,
    prealloc: Preallocation = noPreallocation,
  ): Promise<SegmentWriter> {
    const path = join(dir, segmentName(seq, firstIndex));
    const temp = path + TEMP_SUFFIX;
    const handle = await open(temp, "w");
    try {
      const writer = new SegmentWriter({ seq, firstIndex, path }, handle, 0, counter, 0, prealloc);
      await writer.append(header);
      // The first chunk is filled before the segment is named, so it starts out fast.
      await writer.filling;
      await writer.sync();
      await rename(temp, path);
      await fsyncDir(dir);
      counter.fsyncs++;
      return writer;
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /** Continues an existing segment after its last whole record. */
  static async reopen(segment: SegmentInfo, size: number, counter: SyncCounter, prealloc: Preallocation = noPreallocation): Promise<SegmentWriter> {
    const handle = await open(segment.path, "r+");
    const fileSize = (await handle.stat()).size;
    return new SegmentWriter(segment, handle, size, counter, fileSize, prealloc);
  }

  async append(buf: Buffer): Promise<void> {
    const end = this.offset + buf.length;
    // Never write where a fill is under way.
    if (end > this.allocated && this.filling !== undefined) await this.filling;
    // A plain write only copies into the page cache: done here, it saves a
    // round trip through libuv's thread pool (and a thread wake-up) per flush.
    let done = 0;
    while (done < buf.length) done += writeSync(this.handle.fd, buf, done, buf.length - done, this.offset + done);
    this.offset = end;
    if (end > this.allocated) this.allocated = end;
    this.maybeFill();
  }

  /** fdatasync, as etcd: the data and the size that reaches it, without timestamps. */
  async sync(): Promise<void> {
    await this.handle.datasync();
    this.counter.fsyncs++;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.filling;
    await this.handle.close();
  }

  /** Starts filling the next chunk when less than a chunk of zeros is left ahead of the records. */
  private maybeFill(): void {
    const { chunkBytes, limitBytes } = this.prealloc;
    if (chunkBytes === 0 || this.filling !== undefined || this.closed) return;
    if (this.allocated - this.offset >= chunkBytes) return;
    const from = this.allocated;
    const to = Math.min(limitBytes, from + chunkBytes);
    if (to <= from) return;
    this.filling = this.fill(from, to).then(
      () => {
        this.allocated = to;
        this.filling = undefined;
      },
      () => {
        // Out of space or the like: go on without preallocation; appends report real errors.
        this.prealloc = noPreallocation;
        this.filling = undefined;
      },
    );
  }

  private async fill(from: number, to: number): Promise<void> {
    for (let at = from; at < to; ) {
      const { bytesWritten } = await this.handle.write(zeros, 0, Math.min(zeros.length, to - at), at);
      at += bytesWritten;
    }
    // Made durable now, so the next append's fsync does not have to carry the zeros.
    await this.handle.datasync();
    this.counter.fsyncs++;
  }
}
