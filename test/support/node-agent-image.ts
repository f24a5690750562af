// Makes sure skiff/node-agent (and its base) exist for tests that run it,
// building only those two images (never the others' tags) from this tree.
import type Docker from "dockerode";
import { buildBundles, bundles, repoRoot } from "../../deploy/build/build.ts";
import { buildImage } from "../../deploy/images/build-image.ts";
import { missingBundles, nodeAgent, nodeBase } from "../../deploy/images/images.ts";

export const nodeAgentImage = "skiff/node-agent:latest";

export async function ensureNodeAgentImage(docker: Docker): Promise<void> {
  if (missingBundles(repoRoot).includes("node-agent.mjs")) {
    await buildBundles(
      repoRoot,
      bundles.filter((b) => b.outfile.endsWith("node-agent.mjs")),
    );
  }
  await buildImage(docker, nodeBase);
  await buildImage(docker, nodeAgent);
}
