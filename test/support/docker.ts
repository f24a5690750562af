// Docker helpers for tests that use the real engine. Everything a test
// creates carries a label unique to its run, and is removed by that label
// only, so concurrent runs and other users' containers are never touched.
import { randomUUID } from "node:crypto";
import type Docker from "dockerode";

export const testRunLabelKey = "skiff.test-run";

// A fresh `skiff.test-run=<id>` label for one test file's run.
export function testRunLabel(prefix: string): { key: string; value: string; filter: string } {
  const value = `${prefix}-${process.pid}-${randomUUID().slice(0, 8)}`;
  return { key: testRunLabelKey, value, filter: `${testRunLabelKey}=${value}` };
}

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

// Splits a non-TTY container log stream: frames of an 8-byte header
// (stream 1 = stdout, 2 = stderr; big-endian length) and a payload.
export function demuxLogs(buf: Buffer): { stdout: string; stderr: string } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let at = 0;
  while (at + 8 <= buf.length) {
    const stream = buf[at];
    const size = buf.readUInt32BE(at + 4);
    const payload = buf.subarray(at + 8, at + 8 + size);
    (stream === 2 ? err : out).push(payload);
    at += 8 + size;
  }
  return { stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

// Runs a container to completion and returns its exit code and output. The
// container stays (for its logs) until removeByLabel clears the run.
export async function runToCompletion(
  docker: Docker,
  options: Docker.ContainerCreateOptions,
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const container = await docker.createContainer({ ...options, Tty: false });
  await container.start();
  const { StatusCode } = (await container.wait()) as { StatusCode: number };
  const logs = (await container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
  return { exitCode: StatusCode, ...demuxLogs(logs) };
}
