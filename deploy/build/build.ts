// `npm run build`: generate protobuf code, then bundle each program with
// esbuild into deploy/dist/. Runs from a clean clone after `npm ci`.
import { fileURLToPath, pathToFileURL } from "node:url";
import { relative } from "node:path";
import { buildBundles } from "./bundles.ts";
import { generateProto } from "./proto-gen.ts";

export { buildBundles, bundles, type Bundle, type BuiltBundle } from "./bundles.ts";
export { generateProto } from "./proto-gen.ts";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

function kilobytes(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

export async function buildAll(root: string = repoRoot): Promise<void> {
  const started = performance.now();

  const protoStarted = performance.now();
  const generated = await generateProto(root);
  if (generated.length === 0) {
    console.log("proto: no .proto files under proto/, skipping code generation");
  } else {
    for (const m of generated) console.log(`proto: ${relative(root, m.source)} -> ${relative(root, m.js)} (+ .d.ts)`);
    console.log(`proto: ${generated.length} module(s) in ${((performance.now() - protoStarted) / 1000).toFixed(2)} s`);
  }

  const built = await buildBundles(root);
  const width = Math.max(...built.map((b) => b.outfile.length));
  for (const b of built) console.log(`bundle: ${b.outfile.padEnd(width)}  ${kilobytes(b.bytes).padStart(10)}  (from ${b.entry})`);
  console.log(`build: done in ${((performance.now() - started) / 1000).toFixed(2)} s`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  buildAll().catch((err: unknown) => {
    console.error(`build failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
}
