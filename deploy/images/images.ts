// The image catalogue, in build order (a base before the images FROM it),
// and `ensureImages`, which builds whatever is missing or out of date.
import { existsSync, realpathSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type Docker from "dockerode";
import { buildImage, imageLabel, type BuildResult, type ImageRecipe } from "./build-image.ts";
import { connectDocker } from "./docker-engine.ts";
import { DeployError } from "./errors.ts";
import { distFile, findRepoRoot } from "./paths.ts";
import { agentToolsRootfs, nodeRootfs, type Rootfs } from "./rootfs.ts";

// The node that runs this build is the node the images get, at its real path.
export const nodeBinary = realpathSync(process.execPath);

// A bundle from deploy/dist/ placed at /skiff/<name> (its source map beside it).
async function bundleRootfs(bundle: string): Promise<Rootfs> {
  const path = distFile(bundle);
  const files = [{ path: `/skiff/${bundle}`, mode: 0o644, content: await readFile(path) }];
  if (existsSync(`${path}.map`)) files.push({ path: `/skiff/${bundle}.map`, mode: 0o644, content: await readFile(`${path}.map`) });
  return { files, dirs: [] };
}

export const nodeBase: ImageRecipe = {
  name: "skiff/node-base",
  from: "scratch",
  rootfs: () => nodeRootfs(nodeBinary),
  config: { entrypoint: [nodeBinary] },
};

export const controlPlane: ImageRecipe = {
  name: "skiff/control-plane",
  from: nodeBase.name,
  rootfs: () => bundleRootfs("control-plane.mjs"),
  config: { entrypoint: [nodeBinary, "/skiff/control-plane.mjs"] },
};

export const demoApp: ImageRecipe = {
  name: "skiff/demo-app",
  from: nodeBase.name,
  rootfs: () => bundleRootfs("demo-app.mjs"),
  // A workload has no business running as root.
  config: { entrypoint: [nodeBinary, "/skiff/demo-app.mjs"], env: { PORT: "8080" }, expose: [8080], user: "65534:65534" },
};

// The node agent needs a shell and `ip` (busybox, also used by the pods'
// infra containers) and iptables with the legacy backend for the proxy.
export const nodeAgent: ImageRecipe = {
  name: "skiff/node-agent",
  from: nodeBase.name,
  rootfs: async () => {
    const bundle = await bundleRootfs("node-agent.mjs");
    const tools = await agentToolsRootfs();
    return { files: [...bundle.files, ...tools.files], dirs: [...bundle.dirs, ...tools.dirs] };
  },
  config: { entrypoint: [nodeBinary, "/skiff/node-agent.mjs"] },
};

export const catalogue: ImageRecipe[] = [nodeBase, controlPlane, demoApp, nodeAgent];

export const requiredBundles = ["control-plane.mjs", "demo-app.mjs", "node-agent.mjs"];

export function missingBundles(root: string = findRepoRoot()): string[] {
  return requiredBundles.filter((b) => !existsSync(distFile(b, root)));
}

export interface EnsureImagesOptions {
  force?: boolean;
  docker?: Docker;
  onBuilt?: (result: BuildResult) => void;
}

export async function ensureImages({ force = false, docker, onBuilt }: EnsureImagesOptions = {}): Promise<BuildResult[]> {
  const missing = missingBundles();
  if (missing.length > 0) {
    throw new DeployError(
      "bundle-missing",
      `the image bundles are not built (missing deploy/dist/${missing.join(", deploy/dist/")}): run \`npm run build\` first`,
    );
  }
  const engine = docker ?? (await connectDocker());
  const results: BuildResult[] = [];
  for (const recipe of catalogue) {
    const result = await buildImage(engine, recipe, { force });
    results.push(result);
    onBuilt?.(result);
  }
  if (results.some((r) => !r.skipped)) {
    // A rebuild leaves the previous image untagged; drop ours, never others'.
    // Images still used by a container are kept by the engine.
    await engine.pruneImages({ filters: { dangling: ["true"], label: [`${imageLabel}=1`] } });
  }
  return results;
}
