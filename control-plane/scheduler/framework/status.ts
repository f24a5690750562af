// The result of a plugin: a code and the reasons a user reads in events.

export enum Code {
  Success = "Success",
  /** The pod does not fit now; preemption or a change in the cluster may help. */
  Unschedulable = "Unschedulable",
  /** The pod does not fit, and evicting pods on this node would not change that. */
  UnschedulableAndUnresolvable = "UnschedulableAndUnresolvable",
  /** Something went wrong inside the scheduler. */
  Error = "Error",
  /** From PreFilter or PreScore: nothing to check for this pod, so the plugin's Filter or Score is not run. */
  Skip = "Skip",
}

export interface Status {
  readonly code: Code;
  readonly reasons: readonly string[];
  /** The plugin that returned it, set by the framework. */
  readonly plugin?: string | undefined;
}

// Every status has the same three fields, so the hot filter loop sees one object shape.
function status(code: Code, reasons: readonly string[], plugin?: string): Status {
  return { code, reasons, plugin };
}

export const success: Status = status(Code.Success, []);

export function unschedulable(...reasons: string[]): Status {
  return status(Code.Unschedulable, reasons);
}

export function unresolvable(...reasons: string[]): Status {
  return status(Code.UnschedulableAndUnresolvable, reasons);
}

export function errorStatus(message: string): Status {
  return status(Code.Error, [message]);
}

export function statusOf(code: Code, reasons: readonly string[]): Status {
  return status(code, reasons);
}

export const skip: Status = status(Code.Skip, []);

export function isSuccess(status: Status): boolean {
  return status.code === Code.Success;
}

/** Unschedulable of either kind: the pod was rejected, nothing failed. */
export function isRejected(status: Status): boolean {
  return status.code === Code.Unschedulable || status.code === Code.UnschedulableAndUnresolvable;
}

export function withPlugin(s: Status, plugin: string): Status {
  return s.plugin === plugin ? s : status(s.code, s.reasons, plugin);
}
