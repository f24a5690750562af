// How a Raft member is configured. Clock (ticks), randomness and storage are
// injected: the core has none of its own.
import { RaftError } from "./errors.ts";
import { ReadOnlyOption } from "./read-only.ts";
import type { Storage } from "./storage.ts";
import type { NodeId } from "./types.ts";

export interface RaftLogger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
}

export const silentLogger: RaftLogger = { debug() {}, info() {}, warn() {} };

export interface RaftConfig {
  id: NodeId;
  /** Ticks a follower waits without hearing from a leader before it campaigns (randomized up to 2×). */
  electionTick: number;
  /** Ticks between the leader's heartbeats. */
  heartbeatTick: number;
  storage: Storage;
  /** The last index the host applied before a restart; committed entries after it are handed back. */
  applied?: number;
  /** Byte limit of entries in one MsgApp (at least one entry is always sent). */
  maxSizePerMsg?: number;
  /** Byte limit of committed entries handed to the host in one Ready. */
  maxCommittedSizePerReady?: number;
  /** Byte limit of appended but uncommitted entries on the leader; 0 means no limit. */
  maxUncommittedEntriesSize?: number;
  /** How many MsgApp may be in flight to one follower (pipelining). */
  maxInflightMsgs?: number;
  /** The leader steps down if it has not heard from a quorum within an election timeout. */
  checkQuorum?: boolean;
  /** Ask for votes without raising the term first, so a rejoining member cannot disrupt. */
  preVote?: boolean;
  readOnlyOption?: ReadOnlyOption;
  /** Followers drop proposals instead of forwarding them to the leader. */
  disableProposalForwarding?: boolean;
  /** A uniform random number in [0, 1); the only source of randomness. */
  random: () => number;
  logger?: RaftLogger;
}

export interface ResolvedConfig extends Required<Omit<RaftConfig, "logger">> {
  logger: RaftLogger;
}

export function resolveConfig(c: RaftConfig): ResolvedConfig {
  if (c.id === 0) throw new RaftError("InvalidConfig", "cannot use none as id");
  if (c.heartbeatTick <= 0) throw new RaftError("InvalidConfig", "heartbeat tick must be greater than 0");
  if (c.electionTick <= c.heartbeatTick) {
    throw new RaftError("InvalidConfig", "election tick must be greater than heartbeat tick");
  }
  const resolved: ResolvedConfig = {
    applied: 0,
    maxSizePerMsg: 1024 * 1024,
    maxCommittedSizePerReady: Number.MAX_SAFE_INTEGER,
    maxUncommittedEntriesSize: 0,
    maxInflightMsgs: 256,
    checkQuorum: false,
    preVote: false,
    readOnlyOption: ReadOnlyOption.Safe,
    disableProposalForwarding: false,
    ...c,
    logger: c.logger ?? silentLogger,
  };
  if (resolved.maxInflightMsgs <= 0) throw new RaftError("InvalidConfig", "max inflight messages must be greater than 0");
  if (resolved.readOnlyOption === ReadOnlyOption.LeaseBased && !resolved.checkQuorum) {
    throw new RaftError("InvalidConfig", "CheckQuorum must be enabled when ReadOnlyOption is LeaseBased");
  }
  if (resolved.maxUncommittedEntriesSize === 0) resolved.maxUncommittedEntriesSize = Number.MAX_SAFE_INTEGER;
  return resolved;
}
