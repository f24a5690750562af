// Errors of the image tooling, each with a stable code the CLI can map to a
// message and an exit status.
export type DeployErrorCode = "docker-unavailable" | "bundle-missing" | "image-build-failed";

export class DeployError extends Error {
  constructor(
    readonly code: DeployErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "DeployError";
  }
}
