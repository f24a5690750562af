import assert from "node:assert/strict";
import { test } from "node:test";
import { MemoryStorage } from "./storage.ts";

test("a ConfState-only snapshot (index 0) bootstraps fresh storage", () => {
  const s = new MemoryStorage();
  const confState = { voters: [1, 2, 3], learners: [] };
  s.applySnapshot({ data: new Uint8Array(0), metadata: { index: 0, term: 0, confState } }); // throws SnapOutOfDate
  assert.deepEqual(s.initialState().confState, confState);
  assert.equal(s.firstIndex(), 1);
  assert.equal(s.lastIndex(), 0);
});
