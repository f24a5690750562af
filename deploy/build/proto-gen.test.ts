import assert from "node:assert/strict";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync, mkdirSync, existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, test } from "node:test";
import { repoRoot } from "./build.ts";
import { generateProto } from "./proto-gen.ts";

// A throwaway repository root with two .proto files, one importing the other.
const root = mkdtempSync(join(tmpdir(), "skiff-proto-gen-"));
after(() => rmSync(root, { recursive: true, force: true }));

test("each .proto file becomes a self-contained ES module with declarations", async () => {
  symlinkSync(join(repoRoot, "node_modules"), join(root, "node_modules"));
  mkdirSync(join(root, "proto", "kv"), { recursive: true });
  writeFileSync(
    join(root, "proto", "kv", "kv.proto"),
    'syntax = "proto3";\npackage mvccpb;\nmessage KeyValue { bytes key = 1; int64 mod_revision = 2; bytes value = 3; }\n',
  );
  writeFileSync(
    join(root, "proto", "rpc.proto"),
    'syntax = "proto3";\npackage etcdserverpb;\nimport "kv/kv.proto";\nmessage RangeResponse { repeated mvccpb.KeyValue kvs = 1; int64 count = 2; }\n',
  );
  mkdirSync(join(root, "proto", "gen"));
  writeFileSync(join(root, "proto", "gen", "stale.js"), "");

  const generated = await generateProto(root);
  assert.deepEqual(
    generated.map((m) => m.js.slice(root.length)),
    ["/proto/gen/kv/kv.js", "/proto/gen/rpc.js"],
  );
  assert.equal(existsSync(join(root, "proto", "gen", "stale.js")), false, "stale output removed");
  assert.match(readFileSync(join(root, "proto", "gen", "rpc.d.ts"), "utf8"), /class RangeResponse/);

  type Codec = { encode(m: object): { finish(): Uint8Array }; decode(b: Uint8Array): { kvs: { key: Uint8Array }[] } };
  const rpc = (await import(pathToFileURL(join(root, "proto", "gen", "rpc.js")).href)) as {
    etcdserverpb: { RangeResponse: Codec };
  };
  const bytes = rpc.etcdserverpb.RangeResponse.encode({ kvs: [{ key: Buffer.from("a") }], count: 1 }).finish();
  const decoded = rpc.etcdserverpb.RangeResponse.decode(bytes);
  assert.equal(Buffer.from(decoded.kvs[0]?.key ?? []).toString(), "a");
});
