// Watches: live events, history then live without gap or duplicate, ranges,
// filters, prev_kv, compaction, cancellation, many watchers. Cases follow etcd's
// watchable_store_test.go (TestWatch, TestCancelUnsynced, TestSyncWatchers,
// TestWatchCompacted, TestWatchFutureRev, TestWatchRestore) where they fit.
import assert from "node:assert/strict";
import { test } from "node:test";
import { MvccStore } from "./store.ts";
import { b, del, describeEvent, put, text } from "./test-support.ts";
import { EventType } from "./types.ts";
import { type Watcher, type WatchCompacted, WatchFilterType, type WatchRequest, type WatchResponse } from "./watch-types.ts";

/** Watches and records every response as text lines "rev: event; event". */
function record(s: MvccStore, req: WatchRequest): { lines: string[]; responses: WatchResponse[]; watcher: Watcher } {
  const lines: string[] = [];
  const responses: WatchResponse[] = [];
  const w = s.watch(req, (resp) => {
    responses.push(resp);
    lines.push(resp.canceled ? `canceled @${resp.compactRevision}` : `${resp.revision}: ${resp.events.map(describeEvent).join("; ")}`);
  });
  assert.equal(w.compacted, false);
  return { lines, responses, watcher: w as Watcher };
}

const range = (key: string, rangeEnd: string): WatchRequest => ({ key: b(key), rangeEnd: b(rangeEnd) });

test("a watcher from now gets each later write of its key (TestWatch)", () => {
  const s = new MvccStore();
  put(s, "foo", "before");
  const { lines, responses, watcher } = record(s, { key: b("foo") });
  assert.equal(watcher.synced, true);
  put(s, "foo", "bar"); // 3
  put(s, "other", "x"); // 4
  del(s, "foo"); // 5
  assert.deepEqual(lines, ["3: PUT foo=bar @3 v2", "5: DELETE foo @5"]);
  // A DELETE event's kv: the key and the delete's revision, everything else empty.
  const deleteEvent = responses[1]!.events[0]!;
  assert.equal(deleteEvent.type, EventType.DELETE);
  assert.deepEqual(deleteEvent.kv, { key: b("foo"), createRevision: 0, modRevision: 5, version: 0, value: new Uint8Array(0), lease: 0 });
});

test("range, prefix and to-the-end watchers", () => {
  const s = new MvccStore();
  const prefix = record(s, range("/a/", "/a0"));
  const toEnd = record(s, range("m", "\0"));
  const exact = record(s, range("b", "c"));
  for (const k of ["/a/1", "/a0", "b", "bz", "c", "m", "zz", "/a/2"]) put(s, k, "v");
  assert.deepEqual(prefix.lines, ["2: PUT /a/1=v @2 v1", "9: PUT /a/2=v @9 v1"]);
  assert.deepEqual(toEnd.lines, ["7: PUT m=v @7 v1", "8: PUT zz=v @8 v1"]);
  assert.deepEqual(exact.lines, ["4: PUT b=v @4 v1", "5: PUT bz=v @5 v1"]);
});

test("a txn's events of one revision come in one call, in the txn's order", () => {
  const s = new MvccStore();
  put(s, "/p/x", "0"); // 2
  const { lines, responses } = record(s, range("/p/", "/p0"));
  s.txn({
    success: [
      { requestPut: { key: b("/p/b"), value: b("1") } },
      { requestPut: { key: b("/q"), value: b("no") } },
      { requestDeleteRange: { key: b("/p/x") } },
      { requestPut: { key: b("/p/a"), value: b("2") } },
    ],
  });
  assert.deepEqual(lines, ["3: PUT /p/b=1 @3 v1; DELETE /p/x @3; PUT /p/a=2 @3 v1"]);
  assert.equal(responses[0]!.revision, 3);
});

test("filters drop puts or deletes; a response left empty is not sent", () => {
  const s = new MvccStore();
  const noPut = record(s, { key: b("k"), filters: [WatchFilterType.NOPUT] });
  const noDelete = record(s, { key: b("k"), filters: [WatchFilterType.NODELETE] });
  const neither = record(s, { key: b("k"), filters: [WatchFilterType.NOPUT, WatchFilterType.NODELETE] });
  put(s, "k", "1");
  del(s, "k");
  assert.deepEqual(noPut.lines, ["3: DELETE k @3"]);
  assert.deepEqual(noDelete.lines, ["2: PUT k=1 @2 v1"]);
  assert.deepEqual(neither.lines, []);
});

test("prev_kv: the key's value before the event; none for a creation", () => {
  const s = new MvccStore();
  const { lines } = record(s, { key: b("k"), prevKv: true });
  put(s, "k", "1"); // 2
  put(s, "k", "2"); // 3
  del(s, "k"); // 4
  put(s, "k", "3"); // 5
  assert.deepEqual(lines, ["2: PUT k=1 @2 v1", "3: PUT k=2 @3 v2 (prev 1@2)", "4: DELETE k @4 (prev 2@3)", "5: PUT k=3 @5 v1"]);
});

test("watchers of one revision share its event objects (one with prev_kv, one without), live and catching up", () => {
  const s = new MvccStore();
  put(s, "k", "0"); // 2
  const late = [record(s, { key: b("k"), startRevision: 2 }), record(s, { key: b("a"), rangeEnd: b("z"), startRevision: 2 })];
  const live = [record(s, { key: b("k") }), record(s, { key: b("a"), rangeEnd: b("z") }), record(s, { key: b("k"), prevKv: true }), record(s, { key: b("k"), prevKv: true })];
  put(s, "k", "1"); // 3
  s.syncWatchers();
  const first = (r: { responses: WatchResponse[] }, i = 0) => r.responses[i]!.events[0]!;
  assert.equal(first(live[0]!), first(live[1]!));
  assert.equal(first(live[2]!), first(live[3]!));
  assert.notEqual(first(live[0]!), first(live[2]!));
  assert.equal(first(live[2]!).prevKv?.modRevision, 2);
  assert.equal(first(live[0]!).prevKv, undefined);
  assert.equal(first(late[0]!), first(late[1]!), "history of revision 2");
  assert.equal(first(late[0]!, 1), first(late[1]!, 1), "history of revision 3");
});

test("from an old revision: history per revision first (after syncWatchers), then live events", () => {
  const s = new MvccStore();
  put(s, "foo", "a"); // 2
  put(s, "bar", "x"); // 3
  put(s, "foo", "b"); // 4
  del(s, "foo"); // 5
  const { lines, watcher } = record(s, { key: b("foo"), startRevision: 2, prevKv: true });
  assert.equal(watcher.synced, false);
  assert.deepEqual(lines, [], "history waits for syncWatchers");
  put(s, "foo", "c"); // 6, written before the watcher caught up
  assert.deepEqual(lines, []);
  assert.equal(s.syncWatchers(), 0);
  assert.equal(watcher.synced, true);
  put(s, "foo", "d"); // 7, live
  assert.deepEqual(lines, ["2: PUT foo=a @2 v1", "4: PUT foo=b @4 v2 (prev a@2)", "5: DELETE foo @5 (prev b@4)", "6: PUT foo=c @6 v1", "7: PUT foo=d @7 v2 (prev c@6)"]);
});

test("many unsynced watchers are caught up together (TestSyncWatchers)", () => {
  const s = new MvccStore();
  put(s, "foo", "bar"); // 2
  const all = Array.from({ length: 100 }, () => record(s, { key: b("foo"), startRevision: 1 }));
  assert.equal(s.stats().unsyncedWatchers, 100);
  assert.equal(s.syncWatchers(), 0);
  assert.equal(s.stats().unsyncedWatchers, 0);
  for (const r of all) assert.deepEqual(r.lines, ["2: PUT foo=bar @2 v1"]);
});

test("bounded catch-up interleaved with writes: every revision exactly once, in order", () => {
  const s = new MvccStore();
  for (let i = 0; i < 20; i++) put(s, `k${i % 3}`, `v${i}`); // revisions 2..21
  const seen: number[] = [];
  s.watch({ key: b("k"), rangeEnd: b("l"), startRevision: 5 }, (resp) => {
    for (const e of resp.events) assert.equal(e.kv.modRevision, resp.revision);
    seen.push(resp.revision);
  });
  let writes = 0;
  while (s.syncWatchers(3) > 0) {
    put(s, `k${writes % 3}`, `late${writes}`);
    writes++;
  }
  for (let i = 0; i < 5; i++) put(s, "k0", `live${i}`);
  assert.ok(writes > 0, "some writes landed while the watcher was catching up");
  const want = Array.from({ length: s.currentRevision - 4 }, (_, i) => i + 5);
  assert.deepEqual(seen, want);
});

test("a start revision below the compaction point is refused (TestWatchCompacted)", () => {
  const s = new MvccStore();
  for (let i = 0; i < 10; i++) put(s, "foo", `v${i}`);
  s.compact(5);
  const res = s.watch({ key: b("foo"), startRevision: 3 }, () => assert.fail("no events"));
  assert.deepEqual(res as WatchCompacted, { compacted: true, compactRevision: 5 });
  // At the compaction point itself it is allowed (etcd: minRev < compactRev cancels).
  const ok = record(s, { key: b("foo"), startRevision: 5 });
  s.syncWatchers();
  assert.equal(ok.lines.length, 7, "revisions 5..11");
});

test("a compaction cancels watchers still owed the history it removes", () => {
  const s = new MvccStore();
  for (let i = 0; i < 10; i++) put(s, "foo", `v${i}`); // 2..11
  const lagging = record(s, { key: b("foo"), startRevision: 2 });
  const upToDate = record(s, { key: b("foo") });
  const ahead = record(s, { key: b("foo"), startRevision: 8 });
  s.syncWatchers(1); // one revision of history: lagging gets revision 2
  s.compact(6);
  assert.equal(lagging.watcher.canceled, true);
  assert.deepEqual(lagging.lines, ["2: PUT foo=v0 @2 v1", "canceled @6"]);
  assert.equal(lagging.responses[1]!.compactRevision, 6);
  assert.equal(upToDate.watcher.canceled, false);
  assert.equal(ahead.watcher.canceled, false);
  s.syncWatchers();
  put(s, "foo", "live"); // 12
  assert.equal(lagging.lines.length, 2, "nothing after the cancel");
  assert.deepEqual(upToDate.lines, ["12: PUT foo=live @12 v11"]);
  assert.deepEqual(ahead.lines.map((l) => l.split(":")[0]), ["8", "9", "10", "11", "12"]);
});

test("a future start revision waits for it (TestWatchFutureRev)", () => {
  const s = new MvccStore();
  const { lines, watcher } = record(s, { key: b("foo"), startRevision: 10 });
  assert.equal(watcher.synced, true);
  for (let i = 0; i < 10; i++) put(s, "foo", `v${i}`); // 2..11
  assert.deepEqual(lines, ["10: PUT foo=v8 @10 v9", "11: PUT foo=v9 @11 v10"]);
});

test("cancel stops a watcher, synced or not; cancel twice is harmless", () => {
  const s = new MvccStore();
  put(s, "foo", "1");
  const live = record(s, { key: b("foo") });
  const old = record(s, { key: b("foo"), startRevision: 1 });
  live.watcher.cancel();
  old.watcher.cancel();
  old.watcher.cancel();
  assert.equal(s.stats().watchers, 0);
  assert.equal(s.syncWatchers(), 0);
  put(s, "foo", "2");
  assert.deepEqual([live.lines, old.lines], [[], []]);
  assert.equal(live.watcher.canceled, true);
});

test("1,000 key watchers and 1,000 range watchers: each write reaches exactly its watchers", () => {
  const s = new MvccStore();
  const n = 1000;
  const keyHits = new Array<number>(n).fill(0);
  const rangeHits = new Array<number>(n).fill(0);
  const key = (i: number) => `/k/${String(i).padStart(4, "0")}`;
  for (let i = 0; i < n; i++) {
    s.watch({ key: b(key(i)) }, () => keyHits[i]!++);
    // Ranges over 10 consecutive keys starting at i, so each key is in up to 10 of them.
    s.watch({ key: b(key(i)), rangeEnd: b(key(i + 10)) }, () => rangeHits[i]!++);
  }
  for (let i = 0; i < n; i += 7) put(s, key(i), "v");
  for (let i = 0; i < n; i++) {
    assert.equal(keyHits[i], i % 7 === 0 ? 1 : 0, `key watcher ${i}`);
    let want = 0;
    for (let j = i; j < i + 10 && j < n; j++) if (j % 7 === 0) want++;
    assert.equal(rangeHits[i], want, `range watcher ${i}`);
  }
});

test("a sink that throws is canceled; the others still get the event", () => {
  const errors: unknown[] = [];
  const s = new MvccStore({ onSinkError: (err) => errors.push(err) });
  const bad = s.watch({ key: b("k") }, () => {
    throw new Error("boom");
  }) as Watcher;
  const good = record(s, { key: b("k") });
  put(s, "k", "1");
  put(s, "k", "2");
  assert.equal(bad.canceled, true);
  assert.equal(errors.length, 1);
  assert.equal(good.lines.length, 2);
});

test("a write from inside a sink is delivered after the current revision, to everyone in order", () => {
  const s = new MvccStore();
  const order: string[] = [];
  s.watch({ key: b("a"), rangeEnd: b("z") }, (resp) => {
    order.push(`first ${resp.revision}`);
    if (resp.revision === 2) put(s, "b", "from-sink"); // 3
  });
  s.watch({ key: b("a"), rangeEnd: b("z") }, (resp) => order.push(`second ${resp.revision}`));
  put(s, "a", "1"); // 2
  assert.deepEqual(order, ["first 2", "second 2", "first 3", "second 3"]);
});

test("a write from inside a history delivery reaches the watcher once it is synced", () => {
  const s = new MvccStore();
  put(s, "a", "1"); // 2
  const seen: number[] = [];
  s.watch({ key: b("a"), startRevision: 2 }, (resp) => {
    seen.push(resp.revision);
    if (resp.revision === 2) put(s, "a", "2"); // 3, while catching up
  });
  s.syncWatchers();
  put(s, "a", "3"); // 4
  assert.deepEqual(seen, [2, 3, 4]);
});

test("installSnapshot keeps watchers; they catch up from the new state (TestWatchRestore)", () => {
  const leader = new MvccStore();
  const follower = new MvccStore();
  put(leader, "foo", "1"); // 2
  put(follower, "foo", "1"); // 2 on both
  const { lines } = record(follower, { key: b("foo"), prevKv: true });
  put(leader, "foo", "2"); // 3
  put(leader, "bar", "x"); // 4
  follower.installSnapshot(leader.snapshot());
  assert.deepEqual(lines, []);
  assert.equal(follower.syncWatchers(), 0);
  put(follower, "foo", "3"); // 5
  assert.deepEqual(lines, ["3: PUT foo=2 @3 v2 (prev 1@2)", "5: PUT foo=3 @5 v3 (prev 2@3)"]);
});

test("installSnapshot cancels watchers whose history the snapshot compacted", () => {
  const leader = new MvccStore();
  const follower = new MvccStore();
  const { lines } = record(follower, { key: b("foo") });
  for (let i = 0; i < 5; i++) put(leader, "foo", `${i}`); // 2..6
  leader.compact(4);
  follower.installSnapshot(leader.snapshot());
  assert.deepEqual(lines, ["canceled @4"]);
});

test("progress reports the current revision; synced tells when to send it", () => {
  const s = new MvccStore();
  put(s, "a", "1");
  const w = s.watch({ key: b("a"), startRevision: 1 }, () => {}) as Watcher;
  assert.equal(s.progress(), 2);
  assert.equal(w.synced, false);
  s.syncWatchers();
  assert.equal(w.synced, true);
  assert.equal(text(b("a")), "a");
});
