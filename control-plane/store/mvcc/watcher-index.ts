// Finds the watchers of a key without looking at every watcher: a hash for
// single-key watchers, and for ranges the distinct intervals sorted by start
// with the largest end per block of 32, so blocks that end before the key are
// skipped whole (etcd uses an interval tree; this is a flat version of one).
import type { KeySpan } from "./keys.ts";

const BLOCK = 32;

interface RangeGroup<W> {
  readonly start: string;
  /** null: to the end of the keyspace. */
  readonly end: string | null;
  readonly members: Set<W>;
}

function maxEnd(a: string | null, b: string | null): string | null {
  return a === null || b === null ? null : a > b ? a : b;
}

/** latin1 keys hold no char above \u00ff, so these separators cannot collide. */
function groupId(start: string, end: string | null): string {
  return `${start}\u0100${end ?? "\u0101"}`;
}

export class WatcherIndex<W extends { readonly span: KeySpan }> {
  private readonly single = new Map<string, Set<W>>();
  private readonly groups = new Map<string, RangeGroup<W>>();
  private sorted: RangeGroup<W>[] = [];
  private blockEnds: (string | null)[] = [];
  private dirty = false;
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(w: W): void {
    const { start, end } = w.span;
    if (end === undefined) {
      let set = this.single.get(start);
      if (set === undefined) this.single.set(start, (set = new Set()));
      set.add(w);
    } else {
      const id = groupId(start, end);
      let g = this.groups.get(id);
      if (g === undefined) {
        this.groups.set(id, (g = { start, end, members: new Set() }));
        this.dirty = true;
      }
      g.members.add(w);
    }
    this.count++;
  }

  delete(w: W): boolean {
    const { start, end } = w.span;
    if (end === undefined) {
      const set = this.single.get(start);
      if (set === undefined || !set.delete(w)) return false;
      if (set.size === 0) this.single.delete(start);
    } else {
      const id = groupId(start, end);
      const g = this.groups.get(id);
      if (g === undefined || !g.members.delete(w)) return false;
      if (g.members.size === 0) {
        this.groups.delete(id);
        this.dirty = true;
      }
    }
    this.count--;
    return true;
  }

  /** Calls `visit` for every watcher whose span holds `key`. */
  forEachMatch(key: string, visit: (w: W) => void): void {
    const set = this.single.get(key);
    if (set !== undefined) for (const w of set) visit(w);
    if (this.groups.size === 0) return;
    if (this.dirty) this.rebuild();
    const sorted = this.sorted;
    // Groups [0, hi) start at or before key.
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid]!.start <= key) lo = mid + 1;
      else hi = mid;
    }
    for (let b = 0; b * BLOCK < lo; b++) {
      const blockEnd = this.blockEnds[b]!;
      if (blockEnd !== null && blockEnd <= key) continue;
      const stop = Math.min(lo, (b + 1) * BLOCK);
      for (let i = b * BLOCK; i < stop; i++) {
        const g = sorted[i]!;
        if (g.end === null || key < g.end) for (const w of g.members) visit(w);
      }
    }
  }

  /** Every watcher, single-key ones first. */
  *all(): IterableIterator<W> {
    for (const set of this.single.values()) yield* set;
    for (const g of this.groups.values()) yield* g.members;
  }

  private rebuild(): void {
    this.sorted = [...this.groups.values()].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    this.blockEnds = [];
    for (let i = 0; i < this.sorted.length; i += BLOCK) {
      let end: string | null = this.sorted[i]!.end;
      for (let j = i + 1; j < Math.min(i + BLOCK, this.sorted.length); j++) end = maxEnd(end, this.sorted[j]!.end);
      this.blockEnds.push(end);
    }
    this.dirty = false;
  }
}
