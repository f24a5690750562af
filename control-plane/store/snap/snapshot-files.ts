// Snapshot files of the KV state, after etcd's snap.Snapshotter: one file per
// snapshot, named `%016x-%016x.snap` (term, index) so names sort by age.
// Files are written atomically (temp file, fsync, rename, fsync directory),
// so a crash leaves either the whole file or none; a file that fails its CRC
// anyway (bit rot) is renamed to `.broken` and the next older one is used.
import { mkdir, open, readdir, readFile, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import { isEmptySnapshot, type Snapshot } from "../../raft/index.ts";
import { fsyncDir, isNotFound } from "../wal/durable-fs.ts";
import { stderrLogger, type WalLogger } from "../wal/options.ts";
import { decodeSnapshot, SnapshotCorruptError, snapshotFileParts } from "./snapshot-codec.ts";

const SUFFIX = ".snap";
const TEMP_SUFFIX = ".tmp";
const BROKEN_SUFFIX = ".broken";
const NAME = /^([0-9a-f]{16})-([0-9a-f]{16})\.snap$/;

export interface SnapshotFilesOptions {
  /** Structured events (corrupt file set aside, files purged). Default: one JSON line on stderr. */
  logger?: WalLogger;
}

export function snapshotName(term: number, index: number): string {
  return `${term.toString(16).padStart(16, "0")}-${index.toString(16).padStart(16, "0")}${SUFFIX}`;
}

function parseName(name: string): { term: number; index: number } | undefined {
  const m = NAME.exec(name);
  if (!m) return undefined;
  return { term: Number.parseInt(m[1] ?? "", 16), index: Number.parseInt(m[2] ?? "", 16) };
}

export class SnapshotFiles {
  private readonly log: WalLogger;

  constructor(
    readonly dir: string,
    opts: SnapshotFilesOptions = {},
  ) {
    this.log = (event) => (opts.logger ?? stderrLogger)({ component: "snap", ...event });
  }

  /** Writes the snapshot durably. An empty snapshot (index 0) is not written, as in etcd. */
  async save(snapshot: Snapshot): Promise<void> {
    if (isEmptySnapshot(snapshot)) return;
    await mkdir(this.dir, { recursive: true });
    const path = join(this.dir, snapshotName(snapshot.metadata.term, snapshot.metadata.index));
    const temp = path + TEMP_SUFFIX;
    const handle = await open(temp, "w");
    try {
      // writeFile writes all of a buffer (a writev may stop short); each continues where the last ended.
      for (const part of snapshotFileParts(snapshot)) await handle.writeFile(part);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    await fsyncDir(this.dir);
  }

  /** Names of the snapshot files, newest first. */
  async list(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
    return names.filter((n) => NAME.test(n)).sort().reverse();
  }

  /**
   * The newest snapshot that reads back intact, or undefined. With `accept`, only snapshots
   * whose point it accepts are considered (pass the WAL's snapshot markers, so a file written
   * just before a crash that never reached the WAL is not used). Corrupt files are logged and
   * renamed to `.broken`. Temp files a crash left behind are removed here, as this runs at start.
   */
  async loadNewest(accept?: (point: { index: number; term: number }) => boolean): Promise<Snapshot | undefined> {
    await this.removeTempFiles();
    for (const name of await this.list()) {
      const point = parseName(name);
      if (!point || (accept && !accept(point))) continue;
      const path = join(this.dir, name);
      try {
        const snapshot = decodeSnapshot(await readFile(path));
        if (snapshot.metadata.index !== point.index || snapshot.metadata.term !== point.term) {
          throw new SnapshotCorruptError(`holds index ${snapshot.metadata.index}, term ${snapshot.metadata.term}; the name disagrees`);
        }
        return snapshot;
      } catch (err) {
        if (!(err instanceof SnapshotCorruptError)) throw err;
        await rename(path, path + BROKEN_SUFFIX);
        await fsyncDir(this.dir);
        this.log({ event: "snapshot-file-broken", file: path, reason: err.message, renamedTo: path + BROKEN_SUFFIX });
      }
    }
    return undefined;
  }

  /** Keeps the newest `keep` snapshot files and removes older ones. Returns the removed paths. */
  async purge(keep: number): Promise<string[]> {
    if (!Number.isInteger(keep) || keep < 0) throw new RangeError(`keep must be a non-negative integer, got ${keep}`);
    const removed = (await this.list()).slice(keep).map((n) => join(this.dir, n));
    if (removed.length === 0) return [];
    for (const path of removed) await unlink(path);
    await fsyncDir(this.dir);
    this.log({ event: "snapshot-files-purged", files: removed });
    return removed;
  }

  private async removeTempFiles(): Promise<void> {
    const names = await readdir(this.dir).catch((err: unknown) => {
      if (isNotFound(err)) return [];
      throw err;
    });
    const temps = names.filter((n) => n.endsWith(SUFFIX + TEMP_SUFFIX));
    for (const name of temps) await unlink(join(this.dir, name));
    if (temps.length > 0) this.log({ event: "snapshot-temp-files-removed", files: temps });
  }
}
