#!/usr/bin/env node
// The `skiff` command: runs the bundle that `npm run build` writes.
import { existsSync } from "node:fs";

const bundle = new URL("../dist/skiff.mjs", import.meta.url);
if (!existsSync(bundle)) {
  console.error("skiff is not built yet: run `npm ci && npm run build` at the repository root.");
  process.exit(1);
}
await import(bundle.href);
