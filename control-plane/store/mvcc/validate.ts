// Checks the server runs before proposing a request, as etcd's v3rpc/key.go
// does: requests that fail them never reach Raft. They throw StoreError.
import { StoreError } from "./errors.ts";
import { keyString, spanContains, type KeySpan, spanOf } from "./keys.ts";
import {
  type DeleteRangeRequest,
  type PutRequest,
  type RangeRequest,
  type RequestOp,
  SortOrder,
  SortTarget,
  type TxnRequest,
  type WriteRequest,
} from "./types.ts";

/** etcd's default --max-txn-ops. */
export const MAX_TXN_OPS = 128;

export function validateRange(r: RangeRequest): void {
  if (r.key.length === 0) throw new StoreError("EmptyKey");
  // etcd panics on an unknown sort target; refuse it at the edge instead.
  if (SortOrder[r.sortOrder ?? SortOrder.NONE] === undefined) throw new StoreError("InvalidSortOption");
  if (SortTarget[r.sortTarget ?? SortTarget.KEY] === undefined) throw new StoreError("InvalidSortOption");
}

export function validatePut(r: PutRequest): void {
  if (r.key.length === 0) throw new StoreError("EmptyKey");
  if (r.ignoreValue && (r.value?.length ?? 0) !== 0) throw new StoreError("ValueProvided");
  if (r.ignoreLease && (r.lease ?? 0) !== 0) throw new StoreError("LeaseProvided");
}

export function validateDeleteRange(r: DeleteRangeRequest): void {
  if (r.key.length === 0) throw new StoreError("EmptyKey");
}

function validateOp(op: RequestOp, maxTxnOps: number): void {
  if (op.requestRange !== undefined) validateRange(op.requestRange);
  else if (op.requestPut !== undefined) validatePut(op.requestPut);
  else if (op.requestDeleteRange !== undefined) validateDeleteRange(op.requestDeleteRange);
  else if (op.requestTxn !== undefined) validateTxnOps(op.requestTxn, maxTxnOps);
  // An empty RequestOp: etcd answers with this error.
  else throw new StoreError("KeyNotFound");
}

function validateTxnOps(r: TxnRequest, maxTxnOps: number): void {
  const compare = r.compare ?? [];
  const success = r.success ?? [];
  const failure = r.failure ?? [];
  const opc = Math.max(compare.length, success.length, failure.length);
  if (opc > maxTxnOps) throw new StoreError("TooManyOps");
  for (const c of compare) if (c.key.length === 0) throw new StoreError("EmptyKey");
  // etcd passes the remaining budget down to nested txns.
  for (const op of success) validateOp(op, maxTxnOps - opc);
  for (const op of failure) validateOp(op, maxTxnOps - opc);
}

/** Puts and deletes of one op list, for the overlap check. */
interface Writes {
  puts: Set<string>;
  dels: KeySpan[];
}

function deleted(dels: readonly KeySpan[], key: string): boolean {
  return dels.some((span) => spanContains(span, key));
}

/**
 * etcd's checkIntervals: inside one op list (nested txns included) no key may
 * be put twice or both put and deleted, since the outcome would hang on the
 * order of ops. The two branches of a nested txn exclude each other, so a key
 * put in both is fine. Unlike etcd, a delete to "\0" covers the keys after it.
 */
function checkIntervals(reqs: readonly RequestOp[]): Writes {
  const dels: KeySpan[] = [];
  for (const op of reqs) {
    if (op.requestDeleteRange !== undefined) dels.push(spanOf(op.requestDeleteRange.key, op.requestDeleteRange.rangeEnd));
  }
  const puts = new Set<string>();
  for (const op of reqs) {
    if (op.requestTxn === undefined) continue;
    const then = checkIntervals(op.requestTxn.success ?? []);
    const otherwise = checkIntervals(op.requestTxn.failure ?? []);
    for (const k of then.puts) {
      if (puts.has(k) || deleted(dels, k)) throw new StoreError("DuplicateKey");
      puts.add(k);
    }
    for (const k of otherwise.puts) {
      if ((puts.has(k) && !then.puts.has(k)) || deleted(dels, k)) throw new StoreError("DuplicateKey");
      puts.add(k);
    }
    dels.push(...then.dels, ...otherwise.dels);
  }
  for (const op of reqs) {
    if (op.requestPut === undefined) continue;
    const k = keyString(op.requestPut.key);
    if (puts.has(k) || deleted(dels, k)) throw new StoreError("DuplicateKey");
    puts.add(k);
  }
  return { puts, dels };
}

export function validateTxn(r: TxnRequest, maxTxnOps = MAX_TXN_OPS): void {
  validateTxnOps(r, maxTxnOps);
  // After the op checks, so a huge request is refused before the quadratic part.
  checkIntervals(r.success ?? []);
  checkIntervals(r.failure ?? []);
}

/** Whichever check fits the request. */
export function validateWrite(req: WriteRequest, maxTxnOps = MAX_TXN_OPS): void {
  if ("put" in req) validatePut(req.put);
  else if ("deleteRange" in req) validateDeleteRange(req.deleteRange);
  else validateTxn(req.txn, maxTxnOps);
}
