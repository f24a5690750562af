// Range reads, as etcd's storeTxnCommon.rangeKeys (the index walk at a
// revision) and txn.executeRange (filters, sort, limit, keys_only) do them.
import { StoreError } from "./errors.ts";
import type { KeyIndex } from "./key-index.ts";
import { compareBytes, EMPTY_BYTES, type KeySpan, spanOf } from "./keys.ts";
import { type KeyValue, type RangeRequest, type RangeResponse, SortOrder, SortTarget } from "./types.ts";

/** What a read sees: the index, the revision it reads at and the compaction point. */
export interface ReadView {
  readonly index: KeyIndex;
  /** The newest revision this view can read (inside a write txn, its own once it wrote). */
  readonly rev: number;
  readonly compactRevision: number;
}

export interface RangeResult {
  kvs: KeyValue[];
  /** Keys visible in the span at the revision read, regardless of limit. */
  count: number;
}

/** The revision a read at `requested` (0 or less: newest) resolves to, or etcd's error. */
export function resolveReadRevision(view: ReadView, requested: number): number {
  if (requested > view.rev) throw new StoreError("FutureRevision");
  const rev = requested <= 0 ? view.rev : requested;
  if (rev < view.compactRevision) throw new StoreError("Compacted");
  return rev;
}

/** Keys of `span` visible at `requested`, the first `limit` of them (0: all). */
export function rangeKeys(view: ReadView, span: KeySpan, requested: number, limit: number, countOnly = false): RangeResult {
  const rev = resolveReadRevision(view, requested);
  const kvs: KeyValue[] = [];
  let count = 0;
  const collect = !countOnly;
  view.index.forEachInSpan(span, (h) => {
    // Past the limit only the count matters, and existsAt rarely leaves the history object.
    if (collect && (limit <= 0 || kvs.length < limit)) {
      const r = h.visible(rev);
      if (r === undefined) return;
      kvs.push(r.kv);
      count++;
    } else if (h.existsAt(rev)) {
      count++;
    }
  });
  return { kvs, count };
}

type KvOrder = (a: KeyValue, b: KeyValue) => number;

const orderBy: Record<SortTarget, KvOrder> = {
  [SortTarget.KEY]: (a, b) => compareBytes(a.key, b.key),
  [SortTarget.VERSION]: (a, b) => a.version - b.version,
  [SortTarget.CREATE]: (a, b) => a.createRevision - b.createRevision,
  [SortTarget.MOD]: (a, b) => a.modRevision - b.modRevision,
  [SortTarget.VALUE]: (a, b) => compareBytes(a.value, b.value),
};

/** etcd's defaulting: a non-key target without an order sorts ascending; key ascending is the index's own order. */
function effectiveOrder(order: SortOrder, target: SortTarget): SortOrder {
  if (target !== SortTarget.KEY && order === SortOrder.NONE) return SortOrder.ASCEND;
  if (target === SortTarget.KEY && order === SortOrder.ASCEND) return SortOrder.NONE;
  return order;
}

export function executeRange(view: ReadView, req: RangeRequest): RangeResponse {
  const reqLimit = req.limit ?? 0;
  const order = req.sortOrder ?? SortOrder.NONE;
  const target = req.sortTarget ?? SortTarget.KEY;
  const minMod = req.minModRevision ?? 0;
  const maxMod = req.maxModRevision ?? 0;
  const minCreate = req.minCreateRevision ?? 0;
  const maxCreate = req.maxCreateRevision ?? 0;
  const fetchAll = order !== SortOrder.NONE || minMod !== 0 || maxMod !== 0 || minCreate !== 0 || maxCreate !== 0;
  // One extra tells whether there is more; sorting and filtering need everything.
  const limit = fetchAll || reqLimit <= 0 ? 0 : reqLimit + 1;
  const rr = rangeKeys(view, spanOf(req.key, req.rangeEnd), req.revision ?? 0, limit, req.countOnly ?? false);

  let kvs = rr.kvs;
  if (maxMod !== 0) kvs = kvs.filter((kv) => kv.modRevision <= maxMod);
  if (minMod !== 0) kvs = kvs.filter((kv) => kv.modRevision >= minMod);
  if (maxCreate !== 0) kvs = kvs.filter((kv) => kv.createRevision <= maxCreate);
  if (minCreate !== 0) kvs = kvs.filter((kv) => kv.createRevision >= minCreate);

  const effective = effectiveOrder(order, target);
  if (effective !== SortOrder.NONE) {
    const by = orderBy[target];
    if (by === undefined) throw new StoreError("InvalidSortOption");
    // Stable, so ties keep key order (Go's sort.Sort leaves them unspecified).
    kvs = effective === SortOrder.DESCEND ? kvs.sort((a, b) => by(b, a)) : kvs.sort(by);
  }

  let more = false;
  if (reqLimit > 0 && kvs.length > reqLimit) {
    kvs = kvs.slice(0, reqLimit);
    more = true;
  }
  if (req.keysOnly) kvs = kvs.map((kv) => ({ ...kv, value: EMPTY_BYTES }));
  return { header: { revision: view.rev }, kvs, more, count: rr.count };
}
