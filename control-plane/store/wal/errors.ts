// Typed errors of the write-ahead log. The member maps them to a refusal to
// start (corruption) or to its own codes at the edge.

export type WalErrorCode =
  | "exists" // create() found segment files already there
  | "not-found" // open() found no segment files
  | "snapshot-not-found" // no segment covers the snapshot point, or none records it
  | "snapshot-mismatch" // a marker at the snapshot's index names a different term
  | "closed" // the WAL was closed, or a write failed earlier and poisoned it
  | "corrupt"; // a record before the tail cannot be trusted

export class WalError extends Error {
  constructor(
    readonly code: WalErrorCode,
    message?: string,
  ) {
    super(message ?? code);
    this.name = "WalError";
  }
}

/**
 * Damage that is not a torn tail: a record that fails its CRC or cannot be
 * parsed, with valid data after it. Starting anyway could lose acknowledged
 * writes, so the member refuses and names the spot for the operator.
 */
export class WalCorruptError extends WalError {
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super("corrupt", `WAL corrupt in ${file} at byte offset ${offset}: ${reason}`);
    this.name = "WalCorruptError";
  }
}

/** Thrown by payload decoders; the segment reader turns it into a WalCorruptError with file and offset. */
export class MalformedRecordError extends Error {
  override name = "MalformedRecordError";
}

export function isWalError(err: unknown, code?: WalErrorCode): err is WalError {
  return err instanceof WalError && (code === undefined || err.code === code);
}
