// A container's log as `kubectl logs` asks for it (container, follow,
// tailLines, timestamps, previous, limitBytes), read from the engine and
// demultiplexed into one text stream (stdout and stderr interleaved, as
// kubelet serves them). The agent's HTTPS endpoint will serve this.
import { PassThrough, type Readable } from "node:stream";
import type { V1Pod } from "@kubernetes/client-node";
import { RuntimeError } from "./runtime/errors.ts";
import type { DockerPodRuntime } from "./runtime/pod-runtime.ts";

export interface LogOptions {
  container?: string;
  follow?: boolean;
  tailLines?: number;
  timestamps?: boolean;
  previous?: boolean;
  sinceSeconds?: number;
  limitBytes?: number;
}

export class LogError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LogError";
  }
}

// kubectl's and kubelet's wording for the usual mistakes.
function pickContainer(pod: V1Pod, name: string | undefined): string {
  const all = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c) => c.name);
  const podName = pod.metadata?.name ?? "";
  if (name === undefined || name === "") {
    const apps = (pod.spec?.containers ?? []).map((c) => c.name);
    if (apps.length === 1) return apps[0]!;
    throw new LogError(`a container name must be specified for pod ${podName}, choose one of: [${apps.join(" ")}]`);
  }
  if (!all.includes(name)) throw new LogError(`container ${name} is not valid for pod ${podName}`);
  return name;
}

export async function containerLogs(runtime: DockerPodRuntime, pod: V1Pod, options: LogOptions = {}): Promise<Readable> {
  const name = pickContainer(pod, options.container);
  const current = await runtime.getPod(pod.metadata?.uid ?? "");
  const attempts = (current?.containers ?? []).filter((c) => c.name === name).sort((a, b) => b.attempt - a.attempt);
  const target = options.previous === true ? attempts[1] : attempts[0];
  if (target === undefined) {
    const podName = pod.metadata?.name ?? "";
    throw new LogError(
      options.previous === true
        ? `previous terminated container "${name}" in pod "${podName}" not found`
        : `container "${name}" in pod "${podName}" is waiting to start: ContainerCreating`,
    );
  }
  const docker = runtime.options.docker;
  const base = {
    stdout: true,
    stderr: true,
    timestamps: options.timestamps === true,
    ...(options.tailLines !== undefined ? { tail: options.tailLines } : {}),
    ...(options.sinceSeconds !== undefined ? { since: Math.floor(Date.now() / 1000) - options.sinceSeconds } : {}),
  };
  const out = new PassThrough();
  let sent = 0;
  const limited = new PassThrough();
  limited.on("data", (chunk: Buffer) => {
    if (options.limitBytes === undefined) {
      out.write(chunk);
      return;
    }
    const room = options.limitBytes - sent;
    if (room > 0) out.write(chunk.subarray(0, room));
    sent += chunk.length;
    if (sent >= options.limitBytes) out.end();
  });
  limited.on("end", () => out.end());
  const container = docker.getContainer(target.id);
  try {
    if (options.follow === true) {
      const stream = await container.logs({ ...base, follow: true });
      docker.modem.demuxStream(stream, limited, limited);
      stream.on("end", () => limited.end());
      out.on("close", () => (stream as Readable).destroy());
    } else {
      const buf = (await container.logs({ ...base, follow: false })) as unknown as Buffer;
      demuxInto(buf, limited);
      limited.end();
    }
  } catch (err) {
    throw new RuntimeError("RunContainerError", `reading the logs of ${name}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return out;
}

// A non-TTY log buffer: frames of an 8-byte header (stream, 3 zero bytes,
// big-endian length) and a payload.
function demuxInto(buf: Buffer, into: PassThrough): void {
  let at = 0;
  while (at + 8 <= buf.length) {
    const size = buf.readUInt32BE(at + 4);
    into.write(buf.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
}
