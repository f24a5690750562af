// Converts the Raft core's messages to and from their protobuf form (proto/raft/raftpb.proto)
// for the peer transport. The core itself knows nothing of wire formats.
import { raftpb } from "@skiff/proto/gen/raft/raftpb.js";
import type { ConfState, Entry, EntryType, HardState, Message, MessageType, Snapshot } from "../raft/index.ts";

const empty = new Uint8Array(0);

function entryToProto(e: Entry): raftpb.Entry.$Properties {
  return { term: e.term, index: e.index, type: e.type as number as raftpb.EntryType, data: e.data };
}

function entryFromProto(e: raftpb.Entry.$Properties): Entry {
  return { term: Number(e.term ?? 0), index: Number(e.index ?? 0), type: (e.type ?? 0) as number as EntryType, data: e.data ?? empty };
}

function confStateFromProto(cs: raftpb.ConfState.$Properties | null | undefined): ConfState {
  return { voters: (cs?.voters ?? []).map(Number), learners: (cs?.learners ?? []).map(Number) };
}

export function snapshotToProto(s: Snapshot): raftpb.Snapshot.$Properties {
  const { index, term, confState } = s.metadata;
  return { data: s.data, metadata: { index, term, confState: { voters: confState.voters, learners: confState.learners } } };
}

export function snapshotFromProto(s: raftpb.Snapshot.$Properties): Snapshot {
  const md = s.metadata;
  return {
    data: s.data ?? empty,
    metadata: { index: Number(md?.index ?? 0), term: Number(md?.term ?? 0), confState: confStateFromProto(md?.confState) },
  };
}

export function messageToProto(m: Message): raftpb.Message.$Properties {
  const out: raftpb.Message.$Properties = {
    type: m.type as number as raftpb.MessageType,
    to: m.to,
    from: m.from,
    term: m.term,
    logTerm: m.logTerm,
    index: m.index,
    entries: m.entries.map(entryToProto),
    commit: m.commit,
    reject: m.reject,
    rejectHint: m.rejectHint,
  };
  if (m.snapshot !== undefined) out.snapshot = snapshotToProto(m.snapshot);
  if (m.context !== undefined) out.context = m.context;
  return out;
}

export function messageFromProto(p: raftpb.Message.$Properties): Message {
  const m: Message = {
    type: (p.type ?? 0) as number as MessageType,
    to: Number(p.to ?? 0),
    from: Number(p.from ?? 0),
    term: Number(p.term ?? 0),
    logTerm: Number(p.logTerm ?? 0),
    index: Number(p.index ?? 0),
    entries: (p.entries ?? []).map(entryFromProto),
    commit: Number(p.commit ?? 0),
    reject: p.reject ?? false,
    rejectHint: Number(p.rejectHint ?? 0),
  };
  if (p.snapshot !== undefined && p.snapshot !== null) m.snapshot = snapshotFromProto(p.snapshot);
  if (p.context !== undefined && p.context !== null && p.context.byteLength > 0) m.context = p.context;
  return m;
}

/** Encodes the messages for one peer into a single frame. */
export function encodeBatch(messages: Message[]): Uint8Array {
  return raftpb.MessageBatch.encode({ messages: messages.map(messageToProto) }).finish();
}

export function decodeBatch(bytes: Uint8Array): Message[] {
  return raftpb.MessageBatch.decode(bytes).messages.map(messageFromProto);
}

export function encodeHardState(hs: HardState): Uint8Array {
  return raftpb.HardState.encode(hs).finish();
}

export function decodeHardState(bytes: Uint8Array): HardState {
  const hs = raftpb.HardState.decode(bytes);
  return { term: Number(hs.term), vote: Number(hs.vote), commit: Number(hs.commit) };
}
