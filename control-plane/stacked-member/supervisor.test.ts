import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { silentLogger } from "../logger.ts";
import { Supervisor } from "./supervisor.ts";

const dir = mkdtempSync(join(tmpdir(), "skiff-supervisor-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const node = (script: string): { command: string; args: string[] } => ({ command: process.execPath, args: ["-e", script] });
const fast = { initialMs: 20, maxMs: 80, resetAfterMs: 60_000 };

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${what} did not happen`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test("a child that exits is started again, and one that keeps running is left alone", async () => {
  const sup = new Supervisor(
    [
      { name: "crashy", ...node("process.exit(3)") },
      { name: "steady", ...node("setInterval(() => {}, 1000)") },
    ],
    silentLogger,
    fast,
  );
  sup.start();
  try {
    await until("three starts of the crashing child", () => (sup.starts().crashy ?? 0) >= 3);
    assert.equal(sup.starts().steady, 1);
  } finally {
    await sup.stop(2_000);
  }
});

test("stop sends SIGTERM, waits for the child, and starts nothing afterwards", async () => {
  const marker = join(dir, "terminated");
  const ready = join(dir, "polite-ready");
  const fs = `require("fs")`;
  const script = `process.on("SIGTERM", () => { ${fs}.writeFileSync(${JSON.stringify(marker)}, "x"); process.exit(0); }); ${fs}.writeFileSync(${JSON.stringify(ready)}, "x"); setInterval(() => {}, 1000)`;
  const sup = new Supervisor([{ name: "polite", ...node(script) }], silentLogger, fast);
  sup.start();
  // The signal must come after the child installed its handler.
  await until("the child is ready", () => existsSync(ready));
  await sup.stop(5_000);
  assert.ok(existsSync(marker), "the child saw SIGTERM");
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(sup.starts().polite, 1);
  assert.equal(sup.pid("polite"), undefined);
});

test("a child that ignores SIGTERM is killed when the grace period ends", async () => {
  const ready = join(dir, "stubborn-ready");
  const script = `process.on("SIGTERM", () => {}); require("fs").writeFileSync(${JSON.stringify(ready)}, "x"); setInterval(() => {}, 1000)`;
  const sup = new Supervisor([{ name: "stubborn", ...node(script) }], silentLogger, fast);
  sup.start();
  await until("the child is ready", () => existsSync(ready));
  const pid = sup.pid("stubborn") as number;
  await sup.stop(200);
  assert.equal(alive(pid), false);
});
