import assert from "node:assert/strict";
import { test } from "node:test";
import { collectBinaries, parseLdd } from "./rootfs.ts";

test("parseLdd keeps libraries and the loader, not the vDSO", () => {
  const out = [
    "\tlinux-vdso.so.1 (0x00007ffd0a1f2000)",
    "\tlibstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007f62b1000000)",
    "\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f62b0e1e000)",
    "\t/lib64/ld-linux-x86-64.so.2 (0x00007f62b1361000)",
  ].join("\n");
  assert.deepEqual(parseLdd(out), [
    "/lib/x86_64-linux-gnu/libstdc++.so.6",
    "/lib/x86_64-linux-gnu/libc.so.6",
    "/lib64/ld-linux-x86-64.so.2",
  ]);
});

test("parseLdd refuses a missing library", () => {
  assert.throws(() => parseLdd("\tlibfoo.so.1 => not found\n"), /libfoo\.so\.1 not found/);
});

test("collectBinaries copies node and its loader as regular files", async () => {
  const files = await collectBinaries([process.execPath]);
  const loader = files.find((f) => /\/ld-linux[^/]*\.so/.test(f.path));
  assert.ok(loader, "the dynamic loader is included");
  assert.ok(loader.content.length > 100_000, "loader content, not a symlink");
  assert.ok(files.every((f) => f.path.startsWith("/")));
});
