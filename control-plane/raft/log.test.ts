// RaftLog over storage plus the unstable tail, ported from etcd-io/raft's log_test.go.
import assert from "node:assert/strict";
import { test } from "node:test";
import { isRaftError } from "./errors.ts";
import { RaftLog } from "./log.ts";
import { MemoryStorage } from "./storage.ts";
import { type Entry, entrySize, EntryType, type Snapshot } from "./types.ts";

const noLimit = Number.MAX_SAFE_INTEGER;

function ents(first: number, ...terms: number[]): Entry[] {
  return terms.map((term, i) => ({ term, index: first + i, type: EntryType.Normal, data: new Uint8Array(0) }));
}

/** Entries [from, to) whose term equals their index. */
function span(from: number, to: number): Entry[] {
  return ents(from, ...Array.from({ length: to - from }, (_, i) => from + i));
}

function ids(es: Entry[]): [number, number][] {
  return es.map((e) => [e.index, e.term]);
}

function snap(index: number, term: number): Snapshot {
  return { data: new Uint8Array(0), metadata: { index, term, confState: { voters: [1], learners: [] } } };
}

/** A log whose storage starts after a snapshot at (index, term), if index > 0. */
function newLog(snapIndex = 0, snapTerm = 0, stored: Entry[] = [], maxNextEntsSize = noLimit): { log: RaftLog; storage: MemoryStorage } {
  const storage = new MemoryStorage();
  if (snapIndex > 0) storage.applySnapshot(snap(snapIndex, snapTerm));
  storage.append(stored);
  return { log: new RaftLog(storage, maxNextEntsSize), storage };
}

test("findConflict: first entry with a different term, or the first new one", () => {
  const cases: [Entry[], number][] = [
    [[], 0], [ents(1, 1, 2, 3), 0], [ents(2, 2, 3), 0], [ents(3, 3), 0],
    [ents(1, 1, 2, 3, 4, 4), 4], [ents(2, 2, 3, 4, 5), 4], [ents(3, 3, 4, 4), 4], [ents(4, 4, 4), 4],
    [ents(1, 4, 4), 1], [ents(2, 1, 4, 4), 2], [ents(3, 1, 2, 4, 4), 3],
  ];
  for (const [es, want] of cases) {
    const { log } = newLog();
    log.append(ents(1, 1, 2, 3));
    assert.equal(log.findConflict(es), want, JSON.stringify(ids(es)));
  }
});

test("findConflictByTerm: largest index at or below with term at most the given", () => {
  // [query index, query term, want index] against a log from index 1 and one compacted through (10, 3).
  const fresh: [number, number, number][] = [
    [100, 2, 100], [5, 6, 5], [5, 5, 5], [5, 4, 2], [5, 2, 2], [5, 1, 0], [1, 2, 1], [1, 1, 0], [0, 0, 0],
  ];
  const compacted: [number, number, number][] = [
    [30, 3, 30], [14, 9, 14], [14, 4, 14], [14, 3, 12], [14, 2, 9], [11, 5, 11],
    [10, 5, 10], [10, 3, 10], [10, 2, 9], [9, 2, 9], [4, 2, 4], [0, 0, 0],
  ];
  for (const [si, st, terms, cases] of [[0, 0, [2, 2, 5, 5, 5], fresh], [10, 3, [3, 3, 4, 4, 4], compacted]] as const) {
    const { log } = newLog(si, st);
    log.append(ents(si + 1, ...terms));
    for (const [index, term, want] of cases) {
      const got = log.findConflictByTerm(index, term);
      assert.equal(got.index, want, `snap ${si} query (${index}, ${term})`);
      assert.equal(got.term, log.term(want), `snap ${si} query (${index}, ${term}): term`);
    }
  }
});

test("isUpToDate: a higher last term wins, an equal one needs an equal or longer log", () => {
  const { log } = newLog();
  log.append(ents(1, 1, 2, 3));
  const last = log.lastIndex();
  for (const [i, t, want] of [
    [last - 1, 4, true], [last, 4, true], [last + 1, 4, true],
    [last - 1, 2, false], [last, 2, false], [last + 1, 2, false],
    [last - 1, 3, false], [last, 3, true], [last + 1, 3, true],
  ] as const) {
    assert.equal(log.isUpToDate(i, t), want, `(${i}, ${t})`);
  }
});

test("append: returns the last index, truncates conflicts, never rewrites committed entries", () => {
  const cases: [Entry[], number, [number, number][], number][] = [
    [[], 2, [[1, 1], [2, 2]], 3],
    [ents(3, 2), 3, [[1, 1], [2, 2], [3, 2]], 3],
    [ents(1, 2), 1, [[1, 2]], 1],
    [ents(2, 3, 3), 3, [[1, 1], [2, 3], [3, 3]], 2],
  ];
  for (const [es, wlast, want, wunstable] of cases) {
    const { log } = newLog(0, 0, ents(1, 1, 2));
    assert.equal(log.append(es), wlast);
    assert.deepEqual(ids(log.entries(1, noLimit)), want);
    assert.equal(log.unstable.offset, wunstable);
  }
  const { log } = newLog(0, 0, ents(1, 1, 2));
  log.commitTo(2);
  assert.throws(() => log.append(ents(2, 3)), /out of range/, "rewriting a committed entry");
});

test("maybeAppend: matches the previous entry, truncates conflicts, commits up to the last new entry", () => {
  // [prev index, prev term, leader commit, entries, want last new (undefined: rejected), want commit, want throw]
  const cases: [number, number, number, Entry[], number | undefined, number, boolean][] = [
    [3, 2, 3, ents(4, 4), undefined, 1, false], // prev term differs
    [4, 3, 3, ents(5, 4), undefined, 1, false], // prev index past the end
    [3, 3, 3, [], 3, 3, false],
    [3, 3, 4, [], 3, 3, false], // commit no higher than the last new entry
    [3, 3, 2, [], 3, 2, false],
    [3, 3, 0, [], 3, 1, false], // commit never decreases
    [0, 0, 3, [], 0, 1, false],
    [3, 3, 3, ents(4, 4), 4, 3, false],
    [3, 3, 4, ents(4, 4), 4, 4, false],
    [3, 3, 5, ents(4, 4), 4, 4, false],
    [3, 3, 5, ents(4, 4, 4), 5, 5, false],
    [2, 2, 3, ents(3, 4), 3, 3, false], // conflict in the middle
    [1, 1, 3, ents(2, 4), 2, 2, false],
    [0, 0, 3, ents(1, 4), 1, 1, true], // conflicts with the committed entry 1
    [1, 1, 3, ents(2, 4, 4), 3, 3, false],
  ];
  cases.forEach(([pi, pt, commit, es, wlast, wcommit, wthrow], n) => {
    const { log } = newLog();
    log.append(ents(1, 1, 2, 3));
    log.committed = 1;
    if (wthrow) {
      assert.throws(() => log.maybeAppend(pi, pt, commit, es), /conflicts with committed entry/, `case ${n}`);
      return;
    }
    assert.equal(log.maybeAppend(pi, pt, commit, es), wlast, `case ${n}`);
    assert.equal(log.committed, wcommit, `case ${n}: commit`);
    if (wlast !== undefined && es.length > 0) {
      assert.deepEqual(ids(log.slice(log.lastIndex() - es.length + 1, log.lastIndex() + 1, noLimit)), ids(es), `case ${n}`);
    }
  });
});

test("compaction of storage underneath the log keeps terms, unstable entries and appends working", () => {
  const { log, storage } = newLog(0, 0, span(1, 751));
  log.append(span(751, 1001));
  assert.ok(log.maybeCommit(1000, 1000));
  log.appliedTo(log.committed);
  storage.compact(500);
  assert.equal(log.lastIndex(), 1000);
  for (let j = 500; j <= 1000; j++) {
    assert.equal(log.term(j), j);
    assert.ok(log.matchTerm(j, j));
  }
  const unstable = log.unstableEntries();
  assert.equal(unstable.length, 250);
  assert.equal(unstable[0]!.index, 751);
  log.append(ents(1001, 1001));
  assert.equal(log.lastIndex(), 1001);
  assert.equal(log.entries(1001, noLimit).length, 1);
  assert.throws(() => log.entries(500, noLimit), (e: unknown) => isRaftError(e, "Compacted"));
});

test("allEntries shrinks as storage compacts; bad compactions throw", () => {
  const { log, storage } = newLog(0, 0, span(1, 1001));
  for (const [at, left] of [[300, 700], [500, 500], [800, 200], [900, 100]] as const) {
    storage.compact(at);
    assert.equal(log.allEntries().length, left);
  }
  assert.throws(() => storage.compact(1001), /out of bound/);
  assert.throws(() => storage.compact(899), (e: unknown) => isRaftError(e, "Compacted"));
});

test("hasNextEnts/nextEnts hand out committed entries after applied, size-limited", () => {
  for (const [applied, want] of [[0, [4, 5]], [3, [4, 5]], [4, [5]], [5, []]] as const) {
    const { log } = newLog(3, 1);
    log.append(ents(4, 1, 1, 1));
    log.maybeCommit(5, 1);
    log.appliedTo(applied);
    assert.equal(log.hasNextEnts(), want.length > 0, `applied ${applied}`);
    assert.deepEqual(log.nextEnts().map((e) => e.index), [...want], `applied ${applied}`);
  }
  // A size limit still hands out one entry at a time.
  const { log } = newLog(0, 0, [], entrySize(ents(1, 1)[0]!) + 1);
  log.append(ents(1, 1, 1, 1));
  log.commitTo(3);
  assert.deepEqual(log.nextEnts().map((e) => e.index), [1]);
  log.appliedTo(1);
  assert.deepEqual(log.nextEnts().map((e) => e.index), [2]);
});

test("stableTo moves past unstable entries only when index and term match", () => {
  // [snapshot (index, term), appended entries, stableTo (index, term), want unstable offset]
  const cases: [number, number, Entry[], number, number, number][] = [
    [0, 0, ents(1, 1, 2), 1, 1, 2], [0, 0, ents(1, 1, 2), 2, 2, 3], [0, 0, ents(1, 1, 2), 2, 1, 1], [0, 0, ents(1, 1, 2), 3, 1, 1],
    [5, 2, [], 6, 2, 6], [5, 2, [], 5, 2, 6], [5, 2, [], 4, 2, 6], [5, 2, [], 6, 3, 6], [5, 2, [], 5, 3, 6], [5, 2, [], 4, 3, 6],
    [5, 2, ents(6, 2), 6, 2, 7], [5, 2, ents(6, 2), 5, 2, 6], [5, 2, ents(6, 2), 4, 2, 6],
    [5, 2, ents(6, 2), 6, 3, 6], [5, 2, ents(6, 2), 5, 3, 6], [5, 2, ents(6, 2), 4, 3, 6],
  ];
  for (const [si, st, es, i, t, want] of cases) {
    const { log } = newLog(si, st);
    log.append(es);
    log.stableTo(i, t);
    assert.equal(log.unstable.offset, want, `snap ${si}: stableTo(${i}, ${t}) with ${es.length} entries`);
  }
});

test("commitTo never decreases and throws beyond the last index", () => {
  const { log } = newLog();
  log.append(ents(1, 1, 2, 3));
  log.committed = 2;
  log.commitTo(1);
  assert.equal(log.committed, 2);
  log.commitTo(3);
  assert.equal(log.committed, 3);
  assert.throws(() => log.commitTo(4), /out of range/);
  assert.equal(log.committed, 3);
});

test("appliedTo stays within [applied, committed]", () => {
  const { log } = newLog();
  log.append(ents(1, 1, 1, 1));
  log.commitTo(2);
  log.appliedTo(1);
  assert.equal(log.applied, 1);
  log.appliedTo(0); // no-op
  assert.equal(log.applied, 1);
  assert.throws(() => log.appliedTo(3), /out of range/);
  log.appliedTo(2);
  assert.throws(() => log.appliedTo(1), /out of range/);
  assert.equal(log.applied, 2);
});

test("a log over a snapshotted storage starts after it; term reads storage, then unstable, 0 outside", () => {
  const terms = Array.from({ length: 99 }, (_, i) => i + 1);
  const { log } = newLog(100, 1, ents(101, ...terms.slice(0, 49)));
  assert.deepEqual([log.firstIndex(), log.committed, log.applied, log.unstable.offset], [101, 100, 100, 150]);
  log.append(ents(150, ...terms.slice(49)));
  for (const [i, t] of [[99, 0], [100, 1], [101, 1], [149, 49], [150, 50], [199, 99], [200, 0]]) assert.equal(log.term(i!), t, `term(${i})`);
});

test("restore replaces the log with a pending snapshot", () => {
  const { log } = newLog(100, 1);
  log.append(ents(101, 1, 1));
  const s = snap(105, 2);
  log.restore(s);
  assert.ok(log.hasPendingSnapshot());
  assert.equal(log.snapshot(), s);
  assert.equal(log.committed, 105);
  assert.equal(log.firstIndex(), 106);
  assert.equal(log.lastIndex(), 105);
  assert.equal(log.lastTerm(), 2);
  // Out of range terms read as 0, including the gap between storage and the snapshot.
  assert.equal(log.term(100), 0);
  assert.equal(log.term(103), 0);
  assert.equal(log.term(106), 0);
  log.stableSnapTo(105);
  assert.equal(log.hasPendingSnapshot(), false);
});

test("slice across storage and unstable, with bounds and size limits", () => {
  const { log } = newLog(100, 0, span(101, 150));
  log.append(span(150, 200));
  const size = entrySize(span(150, 151)[0]!);
  const idx = (lo: number, hi: number, lim = noLimit) => log.slice(lo, hi, lim).map((e) => e.index);
  const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
  assert.throws(() => log.slice(99, 101, noLimit), (e: unknown) => isRaftError(e, "Compacted"));
  assert.throws(() => log.slice(100, 101, noLimit), (e: unknown) => isRaftError(e, "Compacted"));
  assert.throws(() => log.slice(150, 149, noLimit), /invalid slice/);
  assert.throws(() => log.slice(200, 201, noLimit), /out of bound/);
  assert.deepEqual(idx(101, 101), []);
  assert.deepEqual(idx(200, 200), []);
  for (const [lo, hi] of [[101, 149], [101, 150], [101, 151], [101, 200], [149, 150], [149, 151], [149, 200], [150, 151], [150, 200], [199, 200]]) {
    assert.deepEqual(idx(lo!, hi!), range(lo!, hi!), `[${lo}, ${hi})`);
  }
  const limited: [number, number, number, number][] = [
    [101, 200, 0, 102], [149, 151, 0, 150], [150, 200, 0, 151], [151, 200, 0, 152],
    [101, 200, size - 1, 102], [149, 151, size - 1, 150], [150, 200, size - 1, 151],
    [101, 200, size, 102], [149, 151, size, 150], [150, 200, size, 151],
    [101, 200, size + 1, 102], [149, 151, size + 1, 150], [150, 200, size + 1, 151],
    [101, 200, 2 * size, 103], [148, 151, 2 * size, 150], [149, 151, 2 * size, 151], [150, 200, 2 * size, 152],
    [148, 151, 3 * size - 1, 150], [149, 152, 3 * size, 152],
  ];
  for (const [lo, hi, lim, end] of limited) assert.deepEqual(idx(lo, hi, lim), range(lo, end), `[${lo}, ${hi}) limit ${lim}`);
});

test("slice stops at storage's size limit rather than skipping ahead into unstable entries", () => {
  const sized = (index: number, bytes: number): Entry => ({ term: 1, index, type: EntryType.Normal, data: new Uint8Array(bytes) });
  const { log } = newLog(0, 0, [sized(1, 0), sized(2, 100)]);
  log.append([sized(3, 0)]);
  assert.deepEqual(log.slice(1, 4, entrySize(sized(1, 0)) * 2).map((e) => e.index), [1]);
});

test("maybeCommit commits only an index of the given term, and only forward", () => {
  const { log } = newLog();
  log.append(ents(1, 1, 2));
  assert.equal(log.maybeCommit(2, 1), false);
  assert.equal(log.committed, 0);
  assert.equal(log.maybeCommit(1, 1), true);
  assert.equal(log.committed, 1);
  assert.equal(log.maybeCommit(2, 2), true);
  assert.equal(log.committed, 2);
  assert.equal(log.maybeCommit(1, 1), false);
  assert.equal(log.committed, 2);
});
