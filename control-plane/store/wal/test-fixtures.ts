// Shared pieces of the WAL tests: a temp directory removed after the run,
// a logger that records events, and the entries of test-entries.ts.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import type { WalLogger } from "./options.ts";

export { entry, entries, metadata, plain } from "./test-entries.ts";

/** A fresh temp directory per call, all removed by an after() hook even when a test fails. */
export function tempDirs(prefix: string): () => Promise<string> {
  const made: string[] = [];
  after(async () => {
    for (const d of made) await rm(d, { recursive: true, force: true });
  });
  return async () => {
    const d = await mkdtemp(join(tmpdir(), `skiff-${prefix}-`));
    made.push(d);
    return d;
  };
}

export function recordingLogger(): { logger: WalLogger; events: Array<Record<string, unknown>> } {
  const events: Array<Record<string, unknown>> = [];
  return { logger: (e) => void events.push(e), events };
}

