// The esbuild bundles: one self-contained ESM file per program, so an image
// needs only `node` and that file.
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { build } from "esbuild";

export interface Bundle {
  entry: string;
  outfile: string;
}

export interface BuiltBundle extends Bundle {
  bytes: number;
}

// Paths relative to the repository root.
export const bundles: Bundle[] = [
  { entry: "deploy/src/cli.ts", outfile: "deploy/dist/skiff.mjs" },
  { entry: "deploy/src/control-plane-entry.ts", outfile: "deploy/dist/control-plane.mjs" },
  { entry: "deploy/images/demo-app.ts", outfile: "deploy/dist/demo-app.mjs" },
  { entry: "node-agent/main-entry.ts", outfile: "deploy/dist/node-agent.mjs" },
];

// CommonJS dependencies (dockerode and friends) call `require` for Node
// built-ins, and some read `__dirname` at load time (ssh2's emscripten
// poly1305); an ESM bundle has neither unless we make them. Imports are
// aliased, and `__dirname`/`__filename` are renamed through `define`, so
// nothing here can collide with a top-level name of a bundled module. They
// point at the bundle's own file, the only file that exists at run time.
const banner = [
  "import { createRequire as __skiffCreateRequire } from 'module';",
  "import { fileURLToPath as __skiffFileURLToPath } from 'url';",
  "import { dirname as __skiffPathDirname } from 'path';",
  "const require = __skiffCreateRequire(import.meta.url);",
  "const __skiffFilename = __skiffFileURLToPath(import.meta.url);",
  "const __skiffDirname = __skiffPathDirname(__skiffFilename);",
].join(" ");
const define = { __dirname: "__skiffDirname", __filename: "__skiffFilename" };

// Optional native add-ons that ssh2 (via docker-modem) loads inside
// try/catch; we never use SSH transports, so leave them out.
const external = ["cpu-features", "*.node"];

export async function buildBundles(root: string, only: Bundle[] = bundles): Promise<BuiltBundle[]> {
  return Promise.all(
    only.map(async (bundle) => {
      const outfile = join(root, bundle.outfile);
      await build({
        absWorkingDir: root,
        entryPoints: [join(root, bundle.entry)],
        outfile,
        bundle: true,
        platform: "node",
        format: "esm",
        target: "node20",
        sourcemap: "linked",
        banner: { js: banner },
        define,
        external,
        logLevel: "warning",
      });
      return { ...bundle, bytes: (await stat(outfile)).size };
    }),
  );
}
