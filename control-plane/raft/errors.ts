// Typed errors of the Raft core. Hosts map them to their own codes at the edge.

export type RaftErrorCode =
  | "Compacted" // the requested index is older than the storage's first index
  | "Unavailable" // the requested index is newer than the storage's last index
  | "SnapOutOfDate" // the snapshot is older than the one already held
  | "SnapshotTemporarilyUnavailable" // the host cannot produce a snapshot right now
  | "ProposalDropped" // not appended: no leader known, a transfer is under way, or a learner
  | "StepLocalMsg" // a local-only message arrived from the network
  | "StepPeerNotFound" // a response from a member that is no longer in the configuration
  | "InvalidConfig"; // a configuration that cannot work (bad timeouts, id 0, ...)

export class RaftError extends Error {
  constructor(
    readonly code: RaftErrorCode,
    message?: string,
  ) {
    super(message ?? code);
    this.name = "RaftError";
  }
}

export function isRaftError(err: unknown, code?: RaftErrorCode): err is RaftError {
  return err instanceof RaftError && (code === undefined || err.code === code);
}
