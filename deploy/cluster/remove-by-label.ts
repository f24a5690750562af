// Removes the Docker objects carrying one label, and only those: how tests
// clean up after a run and how `skiff down` removes a cluster.
import type Docker from "dockerode";

export interface Removed {
  containers: number;
  networks: number;
  volumes: number;
}

// Removes containers (with their anonymous volumes), then networks, then
// volumes carrying `label` ("key" or "key=value"). Keeps going past single
// failures and reports them together, so cleanup is as complete as it can be.
export async function removeByLabel(docker: Docker, label: string): Promise<Removed> {
  const filters = { label: [label] };
  const errors: string[] = [];
  const attempt = async (what: string, remove: () => Promise<unknown>): Promise<boolean> => {
    try {
      await remove();
      return true;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return false;
      errors.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
      return false;
    }
  };
  const removed: Removed = { containers: 0, networks: 0, volumes: 0 };
  for (const c of await docker.listContainers({ all: true, filters })) {
    if (await attempt(`container ${c.Id}`, () => docker.getContainer(c.Id).remove({ force: true, v: true }))) removed.containers++;
  }
  for (const n of await docker.listNetworks({ filters })) {
    if (await attempt(`network ${n.Id}`, () => docker.getNetwork(n.Id).remove())) removed.networks++;
  }
  for (const v of (await docker.listVolumes({ filters })).Volumes ?? []) {
    if (await attempt(`volume ${v.Name}`, () => docker.getVolume(v.Name).remove())) removed.volumes++;
  }
  if (errors.length > 0) throw new Error(`cleanup of ${label} incomplete:\n${errors.join("\n")}`);
  return removed;
}
