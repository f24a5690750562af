import assert from "node:assert/strict";
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { FaultFile, type FaultSpec, isBlockedBy, parseFaultSpec } from "./fault-file.ts";

test("a fault spec names peers by id in hex or by peer URL", () => {
  const spec = parseFaultSpec('{"blocked":["ab12","http://127.0.0.1:2380/"]}');
  assert.ok(isBlockedBy(spec, 0xab12, [new URL("http://127.0.0.1:9999")]));
  assert.ok(isBlockedBy(spec, 7, [new URL("http://127.0.0.1:2380")]));
  assert.ok(!isBlockedBy(spec, 7, [new URL("http://127.0.0.1:2381")]));
  assert.deepEqual(parseFaultSpec("").blocked, []);
  assert.deepEqual(parseFaultSpec('{"other":1}').blocked, []);
});

test("the fault file is re-read when it changes, and a missing file blocks nothing", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fault-file-"));
  const path = join(dir, "faults.json");
  const seen: FaultSpec[] = [];
  const file = new FaultFile(path, (s) => seen.push(s), () => {}, 10);
  try {
    assert.deepEqual(seen, [{ blocked: [] }]);
    writeFileSync(`${path}.tmp`, '{"blocked":["1f"]}');
    renameSync(`${path}.tmp`, path);
    for (let i = 0; i < 100 && seen.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(seen.at(-1), { blocked: ["1f"] });
    rmSync(path);
    for (let i = 0; i < 100 && seen.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(seen.at(-1), { blocked: [] });
  } finally {
    file.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
