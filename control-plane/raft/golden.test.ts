// Replays every transcript under testdata/ and compares the output.
// REWRITE=1 node test/run-tests.mjs golden   rewrites them after a deliberate change.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { runCommand } from "./interaction/commands.ts";
import { runFile } from "./interaction/datadriven.ts";
import { InteractionEnv } from "./interaction/env.ts";

const dir = fileURLToPath(new URL("./testdata", import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith(".txt")).sort();

test("there are golden transcripts", () => {
  assert.ok(files.length >= 30, `expected at least 30 transcripts, found ${files.length}`);
});

for (const file of files) {
  test(`golden ${file}`, () => {
    const env = new InteractionEnv();
    const result = runFile(join(dir, file), (c) => runCommand(env, c));
    assert.ok(result.cases > 0, "a transcript needs at least one case");
    assert.deepEqual(result.failures, [], result.failures.join("\n\n"));
  });
}
