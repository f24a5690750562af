// resolveConfig: defaults, and a RaftError "InvalidConfig" with a clear message
// for each configuration that cannot work.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type RaftConfig, resolveConfig, silentLogger } from "./config.ts";
import { isRaftError } from "./errors.ts";
import { RawNode } from "./raw-node.ts";
import { ReadOnlyOption } from "./read-only.ts";
import { MemoryStorage } from "./storage.ts";

function config(over: Partial<RaftConfig> = {}): RaftConfig {
  return { id: 1, electionTick: 10, heartbeatTick: 1, storage: new MemoryStorage(), random: () => 0, ...over };
}

function invalid(message: RegExp) {
  return (err: unknown) => isRaftError(err, "InvalidConfig") && message.test(err.message);
}

test("defaults fill every optional setting", () => {
  const c = resolveConfig(config());
  assert.equal(c.applied, 0);
  assert.equal(c.maxSizePerMsg, 1024 * 1024);
  assert.equal(c.maxCommittedSizePerReady, Number.MAX_SAFE_INTEGER);
  assert.equal(c.maxInflightMsgs, 256);
  assert.equal(c.checkQuorum, false);
  assert.equal(c.preVote, false);
  assert.equal(c.readOnlyOption, ReadOnlyOption.Safe);
  assert.equal(c.disableProposalForwarding, false);
  assert.equal(c.logger, silentLogger);
});

test("an uncommitted size limit of 0 means no limit", () => {
  assert.equal(resolveConfig(config()).maxUncommittedEntriesSize, Number.MAX_SAFE_INTEGER);
  assert.equal(resolveConfig(config({ maxUncommittedEntriesSize: 0 })).maxUncommittedEntriesSize, Number.MAX_SAFE_INTEGER);
  assert.equal(resolveConfig(config({ maxUncommittedEntriesSize: 4096 })).maxUncommittedEntriesSize, 4096);
});

test("given settings are kept", () => {
  const c = resolveConfig(config({ maxInflightMsgs: 4, checkQuorum: true, readOnlyOption: ReadOnlyOption.LeaseBased, applied: 7 }));
  assert.equal(c.maxInflightMsgs, 4);
  assert.equal(c.readOnlyOption, ReadOnlyOption.LeaseBased);
  assert.equal(c.applied, 7);
});

test("id 0 is reserved for none", () => {
  assert.throws(() => resolveConfig(config({ id: 0 })), invalid(/cannot use none as id/));
});

test("the heartbeat tick must be positive", () => {
  for (const heartbeatTick of [0, -1]) {
    assert.throws(() => resolveConfig(config({ heartbeatTick })), invalid(/heartbeat tick must be greater than 0/));
  }
});

test("the election tick must exceed the heartbeat tick", () => {
  for (const electionTick of [1, 0]) {
    assert.throws(() => resolveConfig(config({ electionTick })), invalid(/election tick must be greater than heartbeat tick/));
  }
  assert.throws(() => resolveConfig(config({ electionTick: 3, heartbeatTick: 3 })), invalid(/election tick/));
  assert.equal(resolveConfig(config({ electionTick: 2, heartbeatTick: 1 })).electionTick, 2);
});

test("at least one message must be allowed in flight", () => {
  for (const maxInflightMsgs of [0, -3]) {
    assert.throws(() => resolveConfig(config({ maxInflightMsgs })), invalid(/max inflight messages must be greater than 0/));
  }
});

test("lease-based reads need CheckQuorum", () => {
  assert.throws(
    () => resolveConfig(config({ readOnlyOption: ReadOnlyOption.LeaseBased })),
    invalid(/CheckQuorum must be enabled when ReadOnlyOption is LeaseBased/),
  );
});

test("a RawNode refuses an invalid configuration", () => {
  assert.throws(() => new RawNode(config({ id: 0 })), invalid(/none as id/));
});

test("a RawNode refuses an applied index beyond its commit index", () => {
  assert.throws(() => new RawNode(config({ applied: 5 })), /out of range/);
});
