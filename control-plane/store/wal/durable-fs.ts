// The one file-system step Node has no helper for: making a directory's
// entries (a created, renamed or removed file) durable. Without it a crash can
// forget a rename even though the file's bytes were fsync'd.
import { open } from "node:fs/promises";

export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
}
