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

export { removeByLabel, type Removed } from "../../deploy/cluster/remove-by-label.ts";

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
