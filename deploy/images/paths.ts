// Where the repository and the build output are, found the same way from the
// TypeScript sources (tsx, tests) and from the bundle in deploy/dist/.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export function findRepoRoot(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  while (true) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) {
      const { name } = JSON.parse(readFileSync(manifest, "utf8")) as { name?: unknown };
      if (name === "skiff") return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the skiff repository root above ${from}`);
    dir = parent;
  }
}

export function distFile(name: string, root: string = findRepoRoot()): string {
  return join(root, "deploy", "dist", name);
}
