// The Raft consensus core: a pure state machine driven by tick/step/propose,
// handing back Ready batches. No I/O, timers or randomness of its own.
export { RawNode, type Ready, type Status, type ProgressStatus, type SnapshotStatus } from "./raw-node.ts";
export { Raft } from "./raft.ts";
export { RaftCore, type CampaignType } from "./core.ts";
export { type RaftConfig, type RaftLogger, silentLogger } from "./config.ts";
export { MemoryStorage, type Storage, type InitialState } from "./storage.ts";
export { RaftError, isRaftError, type RaftErrorCode } from "./errors.ts";
export { ReadOnlyOption } from "./read-only.ts";
export { ConfChangeType, type ConfChange, encodeConfChange, decodeConfChange, describeConfChange } from "./conf-change.ts";
export { ProgressState } from "./progress.ts";
export * from "./types.ts";
export { RaftLog } from "./log.ts";
export { describeMessage, describeEntry, describeReady } from "./describe.ts";
