// MemoryStorage and limitSize, ported from etcd-io/raft's storage_test.go.
import assert from "node:assert/strict";
import { test } from "node:test";
import { isRaftError, type RaftErrorCode } from "./errors.ts";
import { limitSize, MemoryStorage } from "./storage.ts";
import { type Entry, entrySize, EntryType } from "./types.ts";

/** Entries at consecutive indexes from `first`, one per term given. */
function ents(first: number, ...terms: number[]): Entry[] {
  return terms.map((term, i) => ({ term, index: first + i, type: EntryType.Normal, data: new Uint8Array(0) }));
}

/** Index and term of each entry, for compact comparisons. */
function ids(es: Entry[]): [number, number][] {
  return es.map((e) => [e.index, e.term]);
}

/** Storage whose log is etcd's `index(3).terms(3, 4, 5)`: compacted through (3, 3), then 4@4 and 5@5. */
function storage345(...extraTerms: number[]): MemoryStorage {
  const s = new MemoryStorage();
  s.applySnapshot({ data: new Uint8Array(0), metadata: { index: 3, term: 3, confState: { voters: [1], learners: [] } } });
  s.append(ents(4, 4, 5, ...extraTerms));
  return s;
}

function raftErr(code: RaftErrorCode) {
  return (err: unknown) => isRaftError(err, code);
}

test("term: Compacted below the snapshot point, Unavailable past the end", () => {
  const s = storage345();
  assert.throws(() => s.term(2), raftErr("Compacted"));
  assert.equal(s.term(3), 3);
  assert.equal(s.term(4), 4);
  assert.equal(s.term(5), 5);
  assert.throws(() => s.term(6), raftErr("Unavailable"));
});

test("entries: compacted ranges, size limits, at least one entry", () => {
  const s = storage345(6);
  const size = entrySize(ents(4, 4)[0]!);
  assert.throws(() => s.entries(2, 6, Infinity), raftErr("Compacted"));
  assert.throws(() => s.entries(3, 4, Infinity), raftErr("Compacted"));
  assert.deepEqual(ids(s.entries(4, 5, Infinity)), [[4, 4]]);
  assert.deepEqual(ids(s.entries(4, 6, Infinity)), [[4, 4], [5, 5]]);
  assert.deepEqual(ids(s.entries(4, 7, Infinity)), [[4, 4], [5, 5], [6, 6]]);
  // Even with a zero limit the first entry is returned.
  assert.deepEqual(ids(s.entries(4, 7, 0)), [[4, 4]]);
  assert.deepEqual(ids(s.entries(4, 7, 2 * size)), [[4, 4], [5, 5]]);
  assert.deepEqual(ids(s.entries(4, 7, 2 * size + size / 2)), [[4, 4], [5, 5]]);
  assert.deepEqual(ids(s.entries(4, 7, 3 * size - 1)), [[4, 4], [5, 5]]);
  assert.deepEqual(ids(s.entries(4, 7, 3 * size)), [[4, 4], [5, 5], [6, 6]]);
});

test("entries: a range past the last index is a caller bug", () => {
  const s = storage345();
  assert.throws(() => s.entries(4, 7, Infinity), /out of bound/);
});

test("entries: a storage holding only its snapshot point has nothing to give", () => {
  const s = new MemoryStorage();
  assert.throws(() => s.entries(1, 1, Infinity), raftErr("Unavailable"));
});

test("lastIndex follows appends", () => {
  const s = storage345();
  assert.equal(s.lastIndex(), 5);
  s.append(ents(6, 5));
  assert.equal(s.lastIndex(), 6);
});

test("firstIndex follows compaction", () => {
  const s = storage345();
  assert.equal(s.firstIndex(), 4);
  s.compact(4);
  assert.equal(s.firstIndex(), 5);
  assert.equal(s.lastIndex(), 5);
});

test("a fresh storage is empty at index 0", () => {
  const s = new MemoryStorage();
  assert.equal(s.firstIndex(), 1);
  assert.equal(s.lastIndex(), 0);
  assert.equal(s.term(0), 0);
  assert.deepEqual(s.initialState(), { hardState: { term: 0, vote: 0, commit: 0 }, confState: { voters: [], learners: [] } });
});

test("compact: at or below the snapshot point is Compacted and changes nothing", () => {
  for (const i of [2, 3]) {
    const s = storage345();
    assert.throws(() => s.compact(i), raftErr("Compacted"), `compact(${i})`);
    assert.equal(s.firstIndex(), 4);
    assert.equal(s.term(3), 3);
    assert.equal(s.lastIndex(), 5);
  }
});

test("compact: keeps the compacted entry's term as the new snapshot point", () => {
  const cases = [
    { i: 4, first: 4 + 1, term: 4, left: 1 },
    { i: 5, first: 5 + 1, term: 5, left: 0 },
  ];
  for (const c of cases) {
    const s = storage345();
    s.compact(c.i);
    assert.equal(s.firstIndex(), c.first);
    assert.equal(s.term(c.i), c.term);
    assert.throws(() => s.term(c.i - 1), raftErr("Compacted"));
    assert.equal(s.lastIndex() - s.firstIndex() + 1, c.left);
  }
});

test("compact: past the last index is a caller bug", () => {
  const s = storage345();
  assert.throws(() => s.compact(6), /out of bound/);
});

test("createSnapshot records index, term, conf state and data without compacting", () => {
  const data = new TextEncoder().encode("data");
  for (const i of [4, 5]) {
    const s = storage345();
    const snap = s.createSnapshot(i, { voters: [1, 2, 3], learners: [] }, data);
    assert.deepEqual(snap, { data, metadata: { index: i, term: i, confState: { voters: [1, 2, 3], learners: [] } } });
    assert.deepEqual(s.snapshot(), snap);
    assert.equal(s.firstIndex(), 4);
  }
});

test("createSnapshot without a conf state keeps the previous one", () => {
  const s = storage345();
  const snap = s.createSnapshot(5, undefined, new Uint8Array(0));
  assert.deepEqual(snap.metadata.confState, { voters: [1], learners: [] });
  assert.deepEqual(s.initialState().confState, { voters: [1], learners: [] });
});

test("createSnapshot: not newer than the current snapshot is SnapOutOfDate", () => {
  const s = storage345();
  s.createSnapshot(4, undefined, new Uint8Array(0));
  assert.throws(() => s.createSnapshot(4, undefined, new Uint8Array(0)), raftErr("SnapOutOfDate"));
  assert.throws(() => s.createSnapshot(3, undefined, new Uint8Array(0)), raftErr("SnapOutOfDate"));
  assert.equal(s.snapshot().metadata.index, 4);
});

test("createSnapshot: past the last index is a caller bug", () => {
  const s = storage345();
  assert.throws(() => s.createSnapshot(6, undefined, new Uint8Array(0)), /out of bound/);
});

test("append: overlapping, truncating and direct appends", () => {
  const cases: { name: string; append: Entry[]; want: [number, number][] }[] = [
    { name: "entirely compacted", append: ents(1, 1, 2), want: [[4, 4], [5, 5]] },
    { name: "identical", append: ents(3, 3, 4, 5), want: [[4, 4], [5, 5]] },
    { name: "conflict replaces the suffix", append: ents(3, 3, 6, 6), want: [[4, 6], [5, 6]] },
    { name: "overlap then extend", append: ents(3, 3, 4, 5, 5), want: [[4, 4], [5, 5], [6, 5]] },
    { name: "truncate incoming and existing", append: ents(2, 3, 3, 5), want: [[4, 5]] },
    { name: "truncate existing", append: ents(4, 5), want: [[4, 5]] },
    { name: "direct append", append: ents(6, 5), want: [[4, 4], [5, 5], [6, 5]] },
  ];
  for (const c of cases) {
    const s = storage345();
    s.append(c.append);
    assert.deepEqual(ids(s.entries(s.firstIndex(), s.lastIndex() + 1, Infinity)), c.want, c.name);
    assert.equal(s.term(3), 3, `${c.name}: snapshot point kept`);
  }
});

test("append: nothing to append is a no-op", () => {
  const s = storage345();
  s.append([]);
  assert.equal(s.lastIndex(), 5);
});

test("append: a gap after the last index throws", () => {
  const s = storage345();
  assert.throws(() => s.append(ents(7, 5)), /missing log entry/);
  assert.equal(s.lastIndex(), 5);
});

test("applySnapshot replaces the log and the configuration", () => {
  const s = storage345(6);
  const cs = { voters: [1, 2, 3], learners: [4] };
  s.applySnapshot({ data: new Uint8Array([1]), metadata: { index: 10, term: 7, confState: cs } });
  assert.equal(s.firstIndex(), 11);
  assert.equal(s.lastIndex(), 10);
  assert.equal(s.term(10), 7);
  assert.throws(() => s.term(9), raftErr("Compacted"));
  assert.deepEqual(s.initialState().confState, cs);
  assert.equal(s.snapshot().metadata.index, 10);
});

test("applySnapshot: an older or equal snapshot is SnapOutOfDate", () => {
  const cs = { voters: [1, 2, 3], learners: [] };
  const s = new MemoryStorage();
  s.applySnapshot({ data: new Uint8Array(0), metadata: { index: 4, term: 4, confState: cs } });
  assert.throws(
    () => s.applySnapshot({ data: new Uint8Array(0), metadata: { index: 3, term: 3, confState: cs } }),
    raftErr("SnapOutOfDate"),
  );
  assert.throws(
    () => s.applySnapshot({ data: new Uint8Array(0), metadata: { index: 4, term: 4, confState: cs } }),
    raftErr("SnapOutOfDate"),
  );
  assert.equal(s.snapshot().metadata.index, 4);
});

test("hard state round-trips through initialState, by copy", () => {
  const s = new MemoryStorage();
  const hs = { term: 3, vote: 2, commit: 1 };
  s.setHardState(hs);
  hs.term = 9;
  const got = s.initialState();
  assert.deepEqual(got.hardState, { term: 3, vote: 2, commit: 1 });
  got.hardState.commit = 7;
  got.confState.voters.push(5);
  assert.deepEqual(s.initialState(), { hardState: { term: 3, vote: 2, commit: 1 }, confState: { voters: [], learners: [] } });
});

test("limitSize keeps at least one entry and stops before passing the limit", () => {
  const es = ents(1, 1, 1, 1, 1).map((e, i) => ({ ...e, data: new Uint8Array(i * 10) }));
  const sizes = es.map(entrySize);
  assert.deepEqual(limitSize([], 0), []);
  assert.equal(limitSize(es, 0).length, 1);
  assert.equal(limitSize(es, sizes[0]!).length, 1);
  assert.equal(limitSize(es, sizes[0]! + sizes[1]! - 1).length, 1);
  assert.equal(limitSize(es, sizes[0]! + sizes[1]!).length, 2);
  assert.equal(limitSize(es, sizes[0]! + sizes[1]! + sizes[2]!).length, 3);
  assert.equal(limitSize(es, Infinity), es);
});
