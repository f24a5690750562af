// `skiff down`: removes every container, network and volume carrying the
// cluster's label — and the pods its nodes started — and the cluster's
// credentials (a new cluster gets a new CA, with its own addresses in it).
import { rmSync } from "node:fs";
import type Docker from "dockerode";
import type { ClusterLayout } from "./layout.ts";
import { clusterLabelKey, roleLabelKey } from "./layout.ts";
import { removeByLabel, type Removed } from "./remove-by-label.ts";

export async function clusterDown(docker: Docker, layout: ClusterLayout): Promise<Removed> {
  // The nodes go first: a live agent would start its pods' containers again
  // while they are being removed, and they would outlive the cluster.
  const nodes = await docker.listContainers({ all: true, filters: { label: [`${clusterLabelKey}=${layout.name}`, `${roleLabelKey}=node`] } });
  await Promise.all(nodes.map((n) => docker.getContainer(n.Id).kill().catch(() => undefined)));
  const removed = await removeByLabel(docker, `${clusterLabelKey}=${layout.name}`);
  rmSync(layout.credentialsDir, { recursive: true, force: true });
  return removed;
}
