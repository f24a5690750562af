// Leases: the leader-side timing (expiry, renew, promote/demote) over the
// store's replicated lease table.
export { Lessor, type LessorOptions, type LeaseTimeToLive, MAX_LEASE_TTL, EXPIRED_RETRY_MS, FOREVER_TTL } from "./lessor.ts";
export { LeaseIdGenerator } from "./lease-id.ts";
