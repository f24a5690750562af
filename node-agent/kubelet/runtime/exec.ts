// Runs a command in a running container through the engine's exec API and
// collects its output and exit code, as exec probes and tests need. On
// timeout the stream is dropped and the result says so; like kubelet on
// Docker, the process itself may go on running in the container.
import { PassThrough } from "node:stream";
import type Docker from "dockerode";

export interface ExecResult {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export async function execInContainer(docker: Docker, containerId: string, cmd: string[], timeoutMs: number, env: string[] = []): Promise<ExecResult> {
  const exec = await docker.getContainer(containerId).exec({ Cmd: cmd, Env: env, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on("data", (b: Buffer) => out.push(b));
  stderr.on("data", (b: Buffer) => err.push(b));
  docker.modem.demuxStream(stream, stdout, stderr);
  let timer: NodeJS.Timeout | undefined;
  const finished = await new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
    stream.once("end", () => resolve(true));
    stream.once("close", () => resolve(true));
    stream.once("error", () => resolve(true));
  });
  clearTimeout(timer);
  // The hijacked connection is not closed by the engine's end of output: a
  // kept socket would hold the caller's event loop open.
  stream.destroy();
  if (!finished) {
    return { exitCode: undefined, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), timedOut: true };
  }
  const info = await exec.inspect();
  return { exitCode: info.ExitCode ?? undefined, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), timedOut: false };
}
