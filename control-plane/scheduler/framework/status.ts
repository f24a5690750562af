// The result of a plugin: a code and the reasons a user reads in events.

export enum Code {
  Success = "Success",
  /** The pod does not fit now; preemption or a change in the cluster may help. */
  Unschedulable = "Unschedulable",
  /** The pod does not fit, and evicting pods on this node would not change that. */
  UnschedulableAndUnresolvable = "UnschedulableAndUnresolvable",
  /** Something went wrong inside the scheduler. */
  Error = "Error",
}

export interface Status {
  readonly code: Code;
  readonly reasons: readonly string[];
  /** The plugin that returned it, set by the framework. */
  readonly plugin?: string;
}

export const success: Status = Object.freeze({ code: Code.Success, reasons: Object.freeze([]) as readonly string[] });

export function unschedulable(...reasons: string[]): Status {
  return { code: Code.Unschedulable, reasons };
}

export function unresolvable(...reasons: string[]): Status {
  return { code: Code.UnschedulableAndUnresolvable, reasons };
}

export function errorStatus(message: string): Status {
  return { code: Code.Error, reasons: [message] };
}

export function isSuccess(status: Status): boolean {
  return status.code === Code.Success;
}

/** Unschedulable of either kind: the pod was rejected, nothing failed. */
export function isRejected(status: Status): boolean {
  return status.code === Code.Unschedulable || status.code === Code.UnschedulableAndUnresolvable;
}

export function withPlugin(status: Status, plugin: string): Status {
  return status.plugin === plugin ? status : { ...status, plugin };
}
