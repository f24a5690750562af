// Errors of the pod runtime, with the reason kubelet reports for them in a
// container's waiting state.
export type RuntimeErrorCode =
  | "ErrImageNeverPull" // the image is not on the engine and we never pull
  | "CreateContainerConfigError" // the spec cannot be turned into a container
  | "NoPodIp" // the node's pod CIDR is exhausted
  | "RunContainerError"; // the engine refused to create or start it

export class RuntimeError extends Error {
  constructor(
    readonly code: RuntimeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "RuntimeError";
  }
}
