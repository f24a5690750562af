// Generates JavaScript and TypeScript declarations from every `.proto` file
// under proto/ into proto/gen/ (git-ignored, never committed).
//
// One output module per .proto file, mirroring its path:
//   proto/raft/raftpb.proto  ->  proto/gen/raft/raftpb.js + raftpb.d.ts
// Import it as `import { raftpb } from "<rel>/proto/gen/raft/raftpb.js"`.
// The include path is proto/, so a file imports another as
// `import "raft/raftpb.proto";`. Each module carries the types it imports
// (it is self-contained) under its own protobuf.roots name, so two modules
// that share an imported type never overwrite each other's namespaces.
import { execFile } from "node:child_process";
import { existsSync, readdirSync, realpathSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

// Flags shared by every generated module. 64-bit integers decode as plain
// numbers: revisions, indices and terms stay far below 2^53, and Long objects are slow.
const pbjsFlags = ["-t", "static-module", "-w", "es6", "--force-number", "--dependency", "protobufjs/minimal.js"];

export interface GeneratedModule {
  source: string;
  js: string;
  dts: string;
}

export function findProtoFiles(protoDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "gen" && entry.name !== "node_modules") walk(path);
      } else if (entry.name.endsWith(".proto")) {
        out.push(path);
      }
    }
  };
  walk(protoDir);
  return out.sort();
}

// protobufjs-cli is a devDependency of the proto workspace; npm usually
// hoists its bins to the root, but a workspace-local install is also fine.
function findBin(root: string, name: string): string {
  for (const dir of [join(root, "proto", "node_modules", ".bin"), join(root, "node_modules", ".bin")]) {
    const bin = join(dir, name);
    if (existsSync(bin)) return realpathSync(bin);
  }
  throw new Error(`${name} not found in node_modules/.bin: run \`npm ci\` (protobufjs-cli is a devDependency of proto/)`);
}

function rootName(relativeProto: string): string {
  return "skiff_" + relativeProto.replace(/\.proto$/, "").replace(/[^A-Za-z0-9]/g, "_");
}

export async function generateProto(root: string): Promise<GeneratedModule[]> {
  const protoDir = join(root, "proto");
  const genDir = join(protoDir, "gen");
  const sources = findProtoFiles(protoDir);
  // Start clean so a deleted .proto leaves no stale module behind.
  await rm(genDir, { recursive: true, force: true });
  if (sources.length === 0) return [];
  const pbjs = findBin(root, "pbjs");
  const pbts = findBin(root, "pbts");
  return Promise.all(
    sources.map(async (source) => {
      const rel = relative(protoDir, source);
      const js = join(genDir, rel.replace(/\.proto$/, ".js"));
      const dts = js.replace(/\.js$/, ".d.ts");
      await mkdir(dirname(js), { recursive: true });
      // Run the CLIs with this node rather than through their shebangs.
      await run(process.execPath, [pbjs, ...pbjsFlags, "-r", rootName(rel), "-p", protoDir, "-o", js, source]);
      await run(process.execPath, [pbts, "-o", dts, js]);
      return { source, js, dts };
    }),
  );
}
