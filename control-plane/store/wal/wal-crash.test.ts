import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { Wal } from "./index.ts";
import { entry, plain, recordingLogger, tempDirs } from "./test-fixtures.ts";

const newDir = tempDirs("wal-crash");
const child = fileURLToPath(new URL("./wal-crash-child.ts", import.meta.url));
const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));

/** Runs the child until it has acknowledged `acks` saves, SIGKILLs it, and returns every index it acknowledged. */
function runAndKill(dir: string, mode: "create" | "continue", acks: number, preallocate = false): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const args = ["--import", "tsx", child, dir, mode, ...(preallocate ? ["preallocate"] : [])];
    const proc = spawn(process.execPath, args, { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let killed = false;
    proc.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      if (!killed && out.split("\n").length > acks) {
        killed = true;
        proc.kill("SIGKILL");
      }
    });
    proc.stderr.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
    proc.on("error", reject);
    proc.on("close", (code, signal) => {
      if (signal !== "SIGKILL") return reject(new Error(`child ended by itself (code ${code}): ${err}`));
      // Only whole lines count: a half-printed index was not reported as acknowledged.
      const lines = out.split("\n").slice(0, -1);
      resolve(lines.map(Number));
    });
  });
}

for (const preallocate of [false, true]) {
  const title = `every index acknowledged before a SIGKILL is there after restart, twice over${preallocate ? " (preallocated segments)" : ""}`;
  test(title, { timeout: 120_000 }, async () => {
    const dir = await newDir();
    const { logger } = recordingLogger();
    const acked = await runAndKill(dir, "create", 600, preallocate);
    acked.push(...(await runAndKill(dir, "continue", 600, preallocate)));
    assert.ok(acked.length >= 1200);

    const got = await Wal.open(dir, { index: 0, term: 0 }, { logger });
    const byIndex = new Map(got.entries.map((e) => [e.index, e]));
    got.entries.forEach((e, i) => assert.equal(e.index, i + 1, "replayed log is contiguous from 1"));
    for (const index of acked) {
      const e = byIndex.get(index);
      assert.ok(e, `acknowledged index ${index} is missing (log ends at ${got.entries.at(-1)?.index})`);
      assert.deepEqual(plain([e]), plain([entry(index, 1, 256)]));
    }
    assert.ok(got.hardState.commit >= Math.max(...acked));
    await got.wal.close();
  });
}
