// `skiff images [--force]`: builds the offline images and reports each one.
import type { BuildResult } from "./build-image.ts";
import { DeployError } from "./errors.ts";
import { ensureImages } from "./images.ts";

const usage = "usage: skiff images [--force]\n\nBuilds skiff/node-base, skiff/control-plane and skiff/demo-app from local files.\n" +
  "Needs `npm run build` output and a Docker engine. Unchanged images are skipped; --force rebuilds them.\n";

function row(name: string, size: string, seconds: string, note: string): string {
  return `${name.padEnd(30)} ${size.padStart(9)} ${seconds.padStart(8)}  ${note}`;
}

function report(r: BuildResult): string {
  const mb = `${(r.sizeBytes / 1e6).toFixed(1)} MB`;
  return row(r.ref, mb, `${r.seconds.toFixed(2)} s`, r.skipped ? "up to date (skipped)" : `built ${r.id.slice(7, 19)}`);
}

export async function runImagesCommand(args: string[]): Promise<number> {
  if (args.includes("-h") || args.includes("--help")) {
    process.stdout.write(usage);
    return 0;
  }
  const unknown = args.filter((a) => a !== "--force");
  if (unknown.length > 0) {
    process.stderr.write(`skiff images: unknown argument ${unknown.join(" ")}\n\n${usage}`);
    return 2;
  }
  const started = performance.now();
  try {
    let header = row("image", "size", "time", "") + "\n";
    const onBuilt = (r: BuildResult): void => {
      process.stdout.write(header + report(r) + "\n");
      header = "";
    };
    const results = await ensureImages({ force: args.includes("--force"), onBuilt });
    // An image's size includes its base; count each layer once.
    const sizeOf = new Map(results.map((r) => [r.name, r.sizeBytes]));
    const total = results.reduce((sum, r) => sum + r.sizeBytes - (sizeOf.get(r.from) ?? 0), 0);
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(row("total", `${(total / 1e6).toFixed(1)} MB`, `${seconds.toFixed(2)} s`, "(shared layers counted once)") + "\n");
    return 0;
  } catch (err) {
    if (err instanceof DeployError) {
      process.stderr.write(`skiff images: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
