// Makes sure skiff/node-agent (and its base) exist for tests that run it,
// building only those two images (never the others' tags) from this tree.
import type Docker from "dockerode";
import { buildBundles, bundles, repoRoot } from "../../deploy/build/build.ts";
import { buildImage } from "../../deploy/images/build-image.ts";
import { missingBundles, nodeAgent, nodeBase } from "../../deploy/images/images.ts";

export const nodeAgentImage = "skiff/node-agent:latest";

// Returns a tag naming exactly the image built from this tree
// (skiff/node-agent:<source hash>): `:latest` is shared by every checkout on
// the engine and may be rebuilt from another tree's bundle at any moment.
export async function ensureNodeAgentImage(docker: Docker): Promise<string> {
  if (missingBundles(repoRoot).includes("node-agent.mjs")) {
    await buildBundles(
      repoRoot,
      bundles.filter((b) => b.outfile.endsWith("node-agent.mjs")),
    );
  }
  await buildImage(docker, nodeBase);
  const built = await buildImage(docker, nodeAgent);
  const tag = built.sourceHash.slice(0, 12);
  await docker.getImage(built.id).tag({ repo: nodeAgent.name, tag });
  return `${nodeAgent.name}:${tag}`;
}
