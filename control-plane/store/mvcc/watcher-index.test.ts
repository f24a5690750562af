// The watcher index against a brute-force scan of every watcher.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type KeySpan, spanContains } from "./keys.ts";
import { WatcherIndex } from "./watcher-index.ts";

interface W {
  readonly id: number;
  readonly span: KeySpan;
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return a / 4294967296;
  };
}

function matches(index: WatcherIndex<W>, key: string): number[] {
  const out: number[] = [];
  index.forEachMatch(key, (w) => out.push(w.id));
  return out.sort((x, y) => x - y);
}

test("matches equal a scan of every watcher, through adds and deletes", () => {
  const random = rng(7);
  const letters = "abcdefghij";
  const key = () => letters[Math.floor(random() * letters.length)]! + letters[Math.floor(random() * letters.length)]!;
  const index = new WatcherIndex<W>();
  const live = new Map<number, W>();
  let nextId = 0;
  for (let round = 0; round < 40; round++) {
    for (let i = 0; i < 60; i++) {
      const start = key();
      const kind = random();
      const end = kind < 0.3 ? undefined : kind < 0.4 ? null : key();
      const w: W = { id: nextId++, span: { start, end } };
      index.add(w);
      live.set(w.id, w);
    }
    for (const w of [...live.values()]) {
      if (random() < 0.3) {
        assert.equal(index.delete(w), true);
        assert.equal(index.delete(w), false);
        live.delete(w.id);
      }
    }
    assert.equal(index.size, live.size);
    for (let probe = 0; probe < 50; probe++) {
      const k = random() < 0.1 ? "" : key().slice(0, 1 + Math.floor(random() * 2));
      const want = [...live.values()].filter((w) => spanContains(w.span, k)).map((w) => w.id).sort((x, y) => x - y);
      assert.deepEqual(matches(index, k), want, `key ${JSON.stringify(k)} round ${round}`);
    }
  }
  assert.equal([...index.all()].length, live.size);
});

test("watchers sharing one range are kept as one interval; each is still visited", () => {
  const index = new WatcherIndex<W>();
  const ws = Array.from({ length: 5 }, (_, id): W => ({ id, span: { start: "a", end: "c" } }));
  for (const w of ws) index.add(w);
  assert.deepEqual(matches(index, "b"), [0, 1, 2, 3, 4]);
  index.delete(ws[2]!);
  assert.deepEqual(matches(index, "b"), [0, 1, 3, 4]);
  assert.deepEqual(matches(index, "c"), []);
});
