// The set of operations linearized so far, as a bitset with an incrementally
// maintained Zobrist hash, so memoization never rescans the whole set.

const FULL = 0xffffffff;

/** A compact copy of a set: the words between the all-ones prefix and the all-zeros suffix. */
export interface SetSnapshot {
  low: number;
  words: Uint32Array;
}

export class LinearizedSet {
  private readonly words: Uint32Array;
  /** XOR of the per-operation hashes of the members. */
  hash = 0;
  /** Every word below `low` is all ones; the search fills the set roughly in call order. */
  private low = 0;
  /** Every word above `high` is zero. */
  private high = -1;

  constructor(size: number) {
    this.words = new Uint32Array(Math.ceil(size / 32));
  }

  add(op: number): void {
    const w = op >>> 5;
    const words = this.words;
    words[w] = (words[w] ?? 0) | (1 << (op & 31));
    this.hash ^= operationHash(op);
    if (w > this.high) this.high = w;
    while (this.low < words.length && words[this.low] === FULL) this.low++;
  }

  delete(op: number): void {
    const w = op >>> 5;
    const words = this.words;
    words[w] = (words[w] ?? 0) & ~(1 << (op & 31));
    this.hash ^= operationHash(op);
    if (w < this.low) this.low = w;
    while (this.high >= 0 && words[this.high] === 0) this.high--;
  }

  snapshot(): SetSnapshot {
    return { low: this.low, words: this.words.slice(this.low, Math.max(this.low, this.high + 1)) };
  }

  /** Whether the snapshotted set is a subset of this one. */
  includes(snapshot: SetSnapshot): boolean {
    // Below its window the snapshot is all ones, so this set must be too.
    if (this.low < snapshot.low) return false;
    const own = this.words;
    const other = snapshot.words;
    for (let i = 0; i < other.length; i++) {
      if (((other[i] ?? 0) & ~(own[snapshot.low + i] ?? 0)) !== 0) return false;
    }
    return true;
  }

  equals(snapshot: SetSnapshot): boolean {
    if (snapshot.low !== this.low || snapshot.words.length !== Math.max(0, this.high + 1 - this.low)) return false;
    const own = this.words;
    const other = snapshot.words;
    for (let i = 0; i < other.length; i++) {
      if (own[this.low + i] !== other[i]) return false;
    }
    return true;
  }
}

/** murmur3's finalizer: spreads consecutive operation indices over 32 bits. */
function operationHash(op: number): number {
  let h = Math.imul(op + 1, 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}
