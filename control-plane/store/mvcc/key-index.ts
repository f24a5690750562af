// Every key the store holds history for, in byte order for range reads and
// hashed for point reads (the common case: gets and puts of one key).
import * as sortedBtree from "sorted-btree";
import type BTreeClass from "sorted-btree";
import type { KeyHistory } from "./key-history.ts";
import type { KeySpan } from "./keys.ts";

type BTreeCtor = typeof BTreeClass;
// sorted-btree is CommonJS with `exports.default`: Node's ESM loader hands the
// whole exports object as the default, bundlers may hand the class itself.
const btreeDefault = (sortedBtree as unknown as { default: BTreeCtor | { default: BTreeCtor } }).default;
const BTree: BTreeCtor = typeof btreeDefault === "function" ? btreeDefault : btreeDefault.default;

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class KeyIndex {
  private readonly byKey = new Map<string, KeyHistory>();
  private readonly ordered = new BTree<string, KeyHistory>(undefined, compareKeys);

  get size(): number {
    return this.byKey.size;
  }

  get(key: string): KeyHistory | undefined {
    return this.byKey.get(key);
  }

  add(history: KeyHistory): void {
    this.byKey.set(history.key, history);
    this.ordered.set(history.key, history);
  }

  remove(key: string): void {
    this.byKey.delete(key);
    this.ordered.delete(key);
  }

  /** Visits the histories of the keys in `span`, in key order. */
  forEachInSpan(span: KeySpan, visit: (history: KeyHistory) => void): void {
    if (span.end === undefined) {
      const h = this.byKey.get(span.start);
      if (h !== undefined) visit(h);
      return;
    }
    // forRange walks the leaves without allocating an entry per key as entries() does.
    const onFound = (_key: string, h: KeyHistory) => visit(h);
    if (span.end !== null) {
      this.ordered.forRange(span.start, span.end, false, onFound);
      return;
    }
    const last = this.ordered.maxKey();
    if (last !== undefined) this.ordered.forRange(span.start, last, true, onFound);
  }

  /** Every history in key order. */
  all(): IterableIterator<KeyHistory> {
    return this.ordered.values();
  }
}
