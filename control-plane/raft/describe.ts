// Human-readable forms of messages, entries and Readies, in the shape etcd's
// raft prints them, for logs, traces and the golden transcripts.
import { decodeConfChange, describeConfChange } from "./conf-change.ts";
import type { Ready } from "./raw-node.ts";
import {
  type Entry,
  EntryType,
  type HardState,
  type Message,
  MessageType,
  None,
  type Snapshot,
  type SoftState,
  StateType,
} from "./types.ts";

const decoder = new TextDecoder();

export function describeEntry(e: Entry): string {
  if (e.type === EntryType.ConfChange) {
    let body: string;
    try {
      body = describeConfChange(decodeConfChange(e.data));
    } catch {
      body = "(invalid)";
    }
    return `${e.term}/${e.index} EntryConfChange ${body}`;
  }
  return `${e.term}/${e.index} EntryNormal ${JSON.stringify(decoder.decode(e.data))}`;
}

export function describeEntries(ents: Entry[]): string {
  return ents.map(describeEntry).join("\n");
}

export function describeSnapshot(s: Snapshot): string {
  const m = s.metadata;
  const learners = m.confState.learners.length > 0 ? ` Learners:[${m.confState.learners.join(" ")}]` : "";
  return `Index:${m.index} Term:${m.term} ConfState:Voters:[${m.confState.voters.join(" ")}]${learners}`;
}

export function describeMessage(m: Message): string {
  let s = `${m.from}->${m.to} ${MessageType[m.type]} Term:${m.term} Log:${m.logTerm}/${m.index}`;
  if (m.reject) s += ` Rejected (Hint: ${m.rejectHint})`;
  if (m.commit !== 0) s += ` Commit:${m.commit}`;
  if (m.entries.length > 0) s += ` Entries:[${m.entries.map(describeEntry).join(", ")}]`;
  if (m.snapshot !== undefined && m.snapshot.metadata.index !== 0) s += ` Snapshot: ${describeSnapshot(m.snapshot)}`;
  return s;
}

export function describeHardState(hs: HardState): string {
  return `Term:${hs.term} Vote:${hs.vote} Commit:${hs.commit}`;
}

export function describeSoftState(ss: SoftState): string {
  return `Lead:${ss.lead === None ? 0 : ss.lead} State:State${StateType[ss.raftState]}`;
}

export function describeReady(rd: Ready): string {
  const lines: string[] = [];
  if (rd.softState !== undefined) lines.push(describeSoftState(rd.softState));
  if (rd.hardState !== undefined) lines.push(`HardState ${describeHardState(rd.hardState)}`);
  if (rd.readStates.length > 0) {
    lines.push(`ReadStates ${rd.readStates.map((r) => `${JSON.stringify(decoder.decode(r.requestCtx))}@${r.index}`).join(" ")}`);
  }
  if (rd.entries.length > 0) lines.push("Entries:", ...rd.entries.map(describeEntry));
  if (rd.snapshot !== undefined) lines.push(`Snapshot ${describeSnapshot(rd.snapshot)}`);
  if (rd.committedEntries.length > 0) lines.push("CommittedEntries:", ...rd.committedEntries.map(describeEntry));
  if (rd.messages.length > 0) lines.push("Messages:", ...rd.messages.map(describeMessage));
  return `Ready MustSync=${rd.mustSync}:\n${lines.join("\n")}`;
}
