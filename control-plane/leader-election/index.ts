// Lease-based leader election for the scheduler and the controller manager.
export { LeaderElector, defaultElectionTimings, systemElectionClock, validateTimings, type ElectionClock, type LeaderElectionConfig } from "./leader-elector.ts";
export { ApiLeaseLock, MemoryLeaseLock, type LeaderRecord, type LeaseLock, type VersionedRecord } from "./lease-lock.ts";
export { FakeElectionClock } from "./fake-election-clock.ts";
export { electionFlags, parseDuration, parseFlags, type ElectionFlags } from "./election-flags.ts";
export { apiElection, type ApiElection } from "./api-election.ts";
