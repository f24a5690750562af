// The unstable tail of the log, ported from etcd-io/raft's log_unstable_test.go
// (without the in-progress cursor, which this core does not have).
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Entry, EntryType, type Snapshot } from "./types.ts";
import { Unstable } from "./unstable.ts";

function ents(first: number, ...terms: number[]): Entry[] {
  return terms.map((term, i) => ({ term, index: first + i, type: EntryType.Normal, data: new Uint8Array(0) }));
}

function ids(es: Entry[]): [number, number][] {
  return es.map((e) => [e.index, e.term]);
}

function snap(index: number, term: number): Snapshot {
  return { data: new Uint8Array(0), metadata: { index, term, confState: { voters: [1], learners: [] } } };
}

function unstable(entries: Entry[], offset: number, snapshot?: Snapshot): Unstable {
  const u = new Unstable(offset);
  u.entries = entries;
  u.snapshot = snapshot;
  return u;
}

test("maybeFirstIndex is known only with a pending snapshot", () => {
  assert.equal(unstable(ents(5, 1), 5).maybeFirstIndex(), undefined);
  assert.equal(unstable([], 0).maybeFirstIndex(), undefined);
  assert.equal(unstable(ents(5, 1), 5, snap(4, 1)).maybeFirstIndex(), 5);
  assert.equal(unstable([], 5, snap(4, 1)).maybeFirstIndex(), 5);
});

test("maybeLastIndex comes from the entries, else the snapshot", () => {
  assert.equal(unstable(ents(5, 1), 5).maybeLastIndex(), 5);
  assert.equal(unstable(ents(5, 1), 5, snap(4, 1)).maybeLastIndex(), 5);
  assert.equal(unstable([], 5, snap(4, 1)).maybeLastIndex(), 4);
  assert.equal(unstable([], 0).maybeLastIndex(), undefined);
});

test("maybeTerm answers for held entries and the snapshot point only", () => {
  const cases: { u: Unstable; i: number; want: number | undefined }[] = [
    { u: unstable(ents(5, 1), 5), i: 5, want: 1 },
    { u: unstable(ents(5, 1), 5), i: 6, want: undefined },
    { u: unstable(ents(5, 1), 5), i: 4, want: undefined },
    { u: unstable(ents(5, 1), 5, snap(4, 1)), i: 5, want: 1 },
    { u: unstable(ents(5, 1), 5, snap(4, 1)), i: 6, want: undefined },
    { u: unstable(ents(5, 1), 5, snap(4, 1)), i: 4, want: 1 },
    { u: unstable(ents(5, 1), 5, snap(4, 1)), i: 3, want: undefined },
    { u: unstable([], 5, snap(4, 1)), i: 5, want: undefined },
    { u: unstable([], 5, snap(4, 1)), i: 4, want: 1 },
    { u: unstable([], 0), i: 5, want: undefined },
  ];
  cases.forEach((c, n) => assert.equal(c.u.maybeTerm(c.i), c.want, `case ${n}`));
});

test("restore drops the entries and holds the snapshot", () => {
  const u = unstable(ents(5, 1), 5, snap(4, 1));
  const s = snap(6, 2);
  u.restore(s);
  assert.equal(u.offset, 7);
  assert.deepEqual(u.entries, []);
  assert.equal(u.snapshot, s);
  assert.equal(u.maybeLastIndex(), 6);
  assert.equal(u.maybeTerm(6), 2);
});

test("stableTo forgets entries only when index and term match a held entry", () => {
  const cases: { name: string; u: Unstable; i: number; t: number; offset: number; len: number }[] = [
    { name: "empty", u: unstable([], 0), i: 5, t: 1, offset: 0, len: 0 },
    { name: "first and only entry", u: unstable(ents(5, 1), 5), i: 5, t: 1, offset: 6, len: 0 },
    { name: "first of two", u: unstable(ents(5, 1, 1), 5), i: 5, t: 1, offset: 6, len: 1 },
    { name: "term mismatch", u: unstable(ents(6, 2), 6), i: 6, t: 1, offset: 6, len: 1 },
    { name: "old entry", u: unstable(ents(5, 1), 5), i: 4, t: 1, offset: 5, len: 1 },
    { name: "old entry, other term", u: unstable(ents(5, 1), 5), i: 4, t: 2, offset: 5, len: 1 },
    { name: "with snapshot, first entry", u: unstable(ents(5, 1), 5, snap(4, 1)), i: 5, t: 1, offset: 6, len: 0 },
    { name: "with snapshot, first of two", u: unstable(ents(5, 1, 1), 5, snap(4, 1)), i: 5, t: 1, offset: 6, len: 1 },
    { name: "with snapshot, term mismatch", u: unstable(ents(6, 2), 6, snap(5, 1)), i: 6, t: 1, offset: 6, len: 1 },
    { name: "the snapshot point itself", u: unstable(ents(5, 1), 5, snap(4, 1)), i: 4, t: 1, offset: 5, len: 1 },
    { name: "snapshot point, other term", u: unstable(ents(5, 2), 5, snap(4, 2)), i: 4, t: 1, offset: 5, len: 1 },
  ];
  for (const c of cases) {
    c.u.stableTo(c.i, c.t);
    assert.equal(c.u.offset, c.offset, `${c.name}: offset`);
    assert.equal(c.u.entries.length, c.len, `${c.name}: entries left`);
  }
});

test("stableSnapTo clears the snapshot only at its own index", () => {
  const u = unstable([], 5, snap(4, 1));
  u.stableSnapTo(3);
  assert.notEqual(u.snapshot, undefined);
  u.stableSnapTo(4);
  assert.equal(u.snapshot, undefined);
  u.stableSnapTo(4);
  assert.equal(u.snapshot, undefined);
});

test("truncateAndAppend appends, replaces or truncates", () => {
  const cases: { name: string; u: Unstable; append: Entry[]; offset: number; want: [number, number][] }[] = [
    { name: "append to the end", u: unstable(ents(5, 1), 5), append: ents(6, 1, 1), offset: 5, want: [[5, 1], [6, 1], [7, 1]] },
    { name: "replace all at offset", u: unstable(ents(5, 1), 5), append: ents(5, 2, 2), offset: 5, want: [[5, 2], [6, 2]] },
    { name: "replace from before offset", u: unstable(ents(5, 1), 5), append: ents(4, 2, 2, 2), offset: 4, want: [[4, 2], [5, 2], [6, 2]] },
    { name: "truncate then append", u: unstable(ents(5, 1, 1, 1), 5), append: ents(6, 2), offset: 5, want: [[5, 1], [6, 2]] },
    { name: "truncate the last", u: unstable(ents(5, 1, 1, 1), 5), append: ents(7, 2, 2), offset: 5, want: [[5, 1], [6, 1], [7, 2], [8, 2]] },
  ];
  for (const c of cases) {
    c.u.truncateAndAppend(c.append);
    assert.equal(c.u.offset, c.offset, `${c.name}: offset`);
    assert.deepEqual(ids(c.u.entries), c.want, c.name);
  }
});

test("truncateAndAppend refuses to leave a gap", () => {
  const u = unstable(ents(5, 1), 5);
  assert.throws(() => u.truncateAndAppend(ents(8, 1)), /out of bound/);
});

test("truncateAndAppend does not change slices handed out before", () => {
  const u = unstable(ents(5, 1, 1, 1), 5);
  const before = u.slice(5, 8);
  u.truncateAndAppend(ents(6, 2));
  assert.deepEqual(ids(before), [[5, 1], [6, 1], [7, 1]]);
});

test("slice returns [lo, hi) and checks bounds", () => {
  const u = unstable(ents(5, 1, 2, 3), 5);
  assert.deepEqual(ids(u.slice(5, 8)), [[5, 1], [6, 2], [7, 3]]);
  assert.deepEqual(ids(u.slice(6, 7)), [[6, 2]]);
  assert.deepEqual(u.slice(8, 8), []);
  assert.throws(() => u.slice(4, 6), /out of bound/);
  assert.throws(() => u.slice(6, 9), /out of bound/);
  assert.throws(() => u.slice(7, 6), /out of bound/);
});
