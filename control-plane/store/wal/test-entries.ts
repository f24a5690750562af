// Entries with recognisable data for the WAL tests. Kept apart from
// test-fixtures.ts (which registers node:test hooks) so the crash test's child
// process can use them too.
import { EntryType, type Entry } from "../../raft/index.ts";

/** An entry whose data names its index and term, padded to `size` bytes. */
export function entry(index: number, term = 1, size = 0): Entry {
  const text = `e${index}t${term}`;
  const data = new Uint8Array(Math.max(size, text.length));
  data.set(new TextEncoder().encode(text));
  return { index, term, type: EntryType.Normal, data };
}

export function entries(from: number, to: number, term = 1, size = 0): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++) out.push(entry(i, term, size));
  return out;
}

/** Comparable shape: deepEqual does not equate Buffer and Uint8Array. */
export function plain(es: readonly Entry[]): Array<{ index: number; term: number; type: EntryType; data: number[] }> {
  return es.map((e) => ({ index: e.index, term: e.term, type: e.type, data: [...e.data] }));
}

export const metadata = new TextEncoder().encode("member=1 cluster=7");
