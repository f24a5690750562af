// Helpers for tests that drive the Raft state machine directly (no Ready
// loop), in the style of etcd-io/raft's raft_test.go.
import type { RaftConfig } from "./config.ts";
import { Raft } from "./raft.ts";
import { MemoryStorage } from "./storage.ts";
import { type Entry, EntryType, type Message, message, MessageType, None, type NodeId } from "./types.ts";

/** Entries with the given terms, starting at index `first`. */
export function ents(first: number, ...terms: number[]): Entry[] {
  return terms.map((term, i) => ({ term, index: first + i, type: EntryType.Normal, data: new Uint8Array(0) }));
}

/** Empty storage whose configuration has the given voters. */
export function peerStorage(voters: NodeId[]): MemoryStorage {
  const storage = new MemoryStorage();
  storage.applySnapshot({ data: new Uint8Array(0), metadata: { index: 0, term: 0, confState: { voters: [...voters], learners: [] } } });
  return storage;
}

/** A Raft over peers `voters` whose storage holds entries with `terms` and, if given, a hard state term. */
export function newRaft(id: NodeId, voters: NodeId[], opts: { terms?: number[]; term?: number; over?: Partial<RaftConfig> } = {}): Raft {
  const storage = peerStorage(voters);
  storage.append(ents(1, ...(opts.terms ?? [])));
  if (opts.term !== undefined) storage.setHardState({ term: opts.term, vote: None, commit: 0 });
  return new Raft({ id, electionTick: 10, heartbeatTick: 1, storage, random: () => 0, ...opts.over });
}

/** The messages the member produced since the last call. */
export function take(r: Raft): Message[] {
  const msgs = r.msgs;
  r.msgs = [];
  return msgs;
}

/** Member 1 as leader of `voters`. */
export function leader(voters: NodeId[], over: Partial<RaftConfig> = {}): Raft {
  const r = newRaft(1, voters, { over });
  r.becomeCandidate();
  r.becomeLeader();
  return r;
}

/** A local proposal of one entry. */
export const prop = (data: string): Message =>
  message({ type: MessageType.MsgProp, from: 1, to: 1, entries: [{ term: 0, index: 0, type: EntryType.Normal, data: new TextEncoder().encode(data) }] });
