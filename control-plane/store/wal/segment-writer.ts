// The active segment: one FileHandle, appended to at a tracked offset.
// A new segment is written under a temp name, fsync'd, then renamed and the
// directory fsync'd, so a segment with its final name always has a whole
// header and a crash mid-creation leaves only a temp file to discard.
import { open, rename, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { fsyncDir } from "./durable-fs.ts";
import { segmentName, TEMP_SUFFIX, type SegmentInfo } from "./segment-files.ts";

export interface SyncCounter {
  fsyncs: number;
}

export class SegmentWriter {
  private constructor(
    readonly segment: SegmentInfo,
    private readonly handle: FileHandle,
    private offset: number,
    private readonly counter: SyncCounter,
  ) {}

  /** Bytes in the segment so far. */
  get size(): number {
    return this.offset;
  }

  static async create(dir: string, seq: number, firstIndex: number, header: Buffer, counter: SyncCounter): Promise<SegmentWriter> {
    const path = join(dir, segmentName(seq, firstIndex));
    const temp = path + TEMP_SUFFIX;
    const handle = await open(temp, "w");
    try {
      const writer = new SegmentWriter({ seq, firstIndex, path }, handle, 0, counter);
      await writer.append(header);
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
  static async reopen(segment: SegmentInfo, size: number, counter: SyncCounter): Promise<SegmentWriter> {
    return new SegmentWriter(segment, await open(segment.path, "r+"), size, counter);
  }

  async append(buf: Buffer): Promise<void> {
    let done = 0;
    while (done < buf.length) {
      const { bytesWritten } = await this.handle.write(buf, done, buf.length - done, this.offset + done);
      done += bytesWritten;
    }
    this.offset += buf.length;
  }

  /** fdatasync, as etcd: the data and the size that reaches it, without timestamps. */
  async sync(): Promise<void> {
    await this.handle.datasync();
    this.counter.fsyncs++;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
