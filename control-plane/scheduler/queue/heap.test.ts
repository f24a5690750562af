import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { seededRandom } from "../clock.ts";
import { KeyedHeap } from "./heap.ts";

interface Item {
  key: string;
  n: number;
}

const newHeap = () => new KeyedHeap<Item>((i) => i.key, (a, b) => a.n < b.n);

describe("KeyedHeap", () => {
  it("pops in order, whatever the insertion order", () => {
    const h = newHeap();
    const random = seededRandom(7);
    const ns = Array.from({ length: 200 }, () => Math.floor(random() * 1000));
    ns.forEach((n, i) => h.push({ key: `k${i}`, n }));
    const out: number[] = [];
    for (let item = h.pop(); item !== undefined; item = h.pop()) out.push(item.n);
    assert.deepEqual(out, [...ns].sort((a, b) => a - b));
  });

  it("replaces an item with the same key and deletes by key", () => {
    const h = newHeap();
    h.push({ key: "a", n: 5 });
    h.push({ key: "b", n: 3 });
    h.push({ key: "c", n: 4 });
    h.push({ key: "a", n: 1 });
    assert.equal(h.size, 3);
    assert.equal(h.peek()?.key, "a");
    assert.equal(h.delete("a")?.n, 1);
    assert.equal(h.delete("zz"), undefined);
    assert.equal(h.has("a"), false);
    assert.deepEqual([h.pop()?.key, h.pop()?.key, h.pop()], ["b", "c", undefined]);
  });
});
