// Connects to the Docker engine the way the docker CLI does: $DOCKER_HOST if
// set, else the local socket. Fails fast with a message a user can act on.
import Docker from "dockerode";
import { DeployError } from "./errors.ts";

export function dockerEndpoint(): string {
  return process.env["DOCKER_HOST"] ?? "unix:///var/run/docker.sock";
}

export async function connectDocker(timeoutMs = 5000): Promise<Docker> {
  const docker = new Docker();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([docker.ping(), timeout]);
    return docker;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new DeployError(
      "docker-unavailable",
      `no Docker engine answers at ${dockerEndpoint()} (${reason}); ` +
        "start one, e.g. `setsid dockerd --host unix:///var/run/docker.sock >/tmp/dockerd.log 2>&1 &`",
    );
  } finally {
    clearTimeout(timer);
  }
}
