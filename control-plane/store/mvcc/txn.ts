// Put, DeleteRange and Txn on a write transaction, as etcd's server/etcdserver/txn
// does them. A Txn evaluates all its compares, nested ones included, against
// the state before it runs (compareToPath), checks the chosen ops against that
// same state (checkTxn), then runs them in order on one write transaction.
import { StoreError } from "./errors.ts";
import { compareBytes, EMPTY_BYTES, keyString, ownedBytes, spanOf } from "./keys.ts";
import type { LeaseTable } from "./lease-table.ts";
import { executeRange, rangeKeys, type ReadView } from "./range.ts";
import {
  type Compare,
  CompareResult,
  CompareTarget,
  type DeleteRangeRequest,
  type DeleteRangeResponse,
  type KeyValue,
  type PutRequest,
  type PutResponse,
  type RangeRequest,
  type RequestOp,
  type ResponseOp,
  type TxnRequest,
  type TxnResponse,
} from "./types.ts";
import type { WriteTxn } from "./write-txn.ts";

/** The branch a txn takes, with the plans of the txns nested in that branch. */
interface TxnPlan {
  readonly succeeded: boolean;
  readonly ops: readonly RequestOp[];
  readonly nested: ReadonlyMap<number, TxnPlan>;
}

const zeroKv: KeyValue = { key: EMPTY_BYTES, createRevision: 0, modRevision: 0, version: 0, value: EMPTY_BYTES, lease: 0 };

function sign(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareKv(c: Compare, kv: KeyValue): boolean {
  let result = 0;
  switch (c.target ?? CompareTarget.VERSION) {
    case CompareTarget.VALUE:
      result = compareBytes(kv.value, c.value ?? EMPTY_BYTES);
      break;
    case CompareTarget.CREATE:
      result = sign(kv.createRevision, c.createRevision ?? 0);
      break;
    case CompareTarget.MOD:
      result = sign(kv.modRevision, c.modRevision ?? 0);
      break;
    case CompareTarget.VERSION:
      result = sign(kv.version, c.version ?? 0);
      break;
    case CompareTarget.LEASE:
      result = sign(kv.lease, c.lease ?? 0);
      break;
  }
  switch (c.result ?? CompareResult.EQUAL) {
    case CompareResult.EQUAL:
      return result === 0;
    case CompareResult.NOT_EQUAL:
      return result !== 0;
    case CompareResult.GREATER:
      return result > 0;
    case CompareResult.LESS:
      return result < 0;
  }
  return true;
}

/** One compare over a key or a range: every key in it must pass; an empty range compares a zero KeyValue. */
export function applyCompare(view: ReadView, c: Compare): boolean {
  const { kvs } = rangeKeys(view, spanOf(c.key, c.rangeEnd), 0, 0);
  if (kvs.length === 0) {
    // A missing key has no value to compare (proto3 cannot tell nil from empty).
    if ((c.target ?? CompareTarget.VERSION) === CompareTarget.VALUE) return false;
    return compareKv(c, zeroKv);
  }
  return kvs.every((kv) => compareKv(c, kv));
}

function plan(view: ReadView, rt: TxnRequest): TxnPlan {
  const succeeded = (rt.compare ?? []).every((c) => applyCompare(view, c));
  const ops = (succeeded ? rt.success : rt.failure) ?? [];
  const nested = new Map<number, TxnPlan>();
  ops.forEach((op, i) => {
    if (op.requestTxn !== undefined) nested.set(i, plan(view, op.requestTxn));
  });
  return { succeeded, ops, nested };
}

function checkPut(view: ReadView, leases: LeaseTable, req: PutRequest): void {
  if ((req.ignoreValue || req.ignoreLease) && view.index.get(keyString(req.key))?.visible(view.rev) === undefined) {
    throw new StoreError("KeyNotFound");
  }
  const lease = req.lease ?? 0;
  if (lease !== 0 && !leases.has(lease)) throw new StoreError("LeaseNotFound");
}

function checkRange(view: ReadView, req: RangeRequest): void {
  const rev = req.revision ?? 0;
  if (rev === 0) return;
  if (rev > view.rev) throw new StoreError("FutureRevision");
  if (rev < view.compactRevision) throw new StoreError("Compacted");
}

function checkPlan(view: ReadView, leases: LeaseTable, p: TxnPlan): void {
  p.ops.forEach((op, i) => {
    if (op.requestRange !== undefined) checkRange(view, op.requestRange);
    else if (op.requestPut !== undefined) checkPut(view, leases, op.requestPut);
    else if (op.requestTxn !== undefined) checkPlan(view, leases, p.nested.get(i)!);
  });
}

export function putOp(txn: WriteTxn, req: PutRequest): PutResponse {
  const key = keyString(req.key);
  const needPrev = req.ignoreValue || req.ignoreLease || req.prevKv;
  const prev = needPrev ? txn.current(key) : undefined;
  if ((req.ignoreValue || req.ignoreLease) && prev === undefined) throw new StoreError("KeyNotFound");
  const value = req.ignoreValue ? prev!.kv.value : ownedBytes(req.value);
  const lease = req.ignoreLease ? prev!.kv.lease : (req.lease ?? 0);
  const revision = txn.put(key, req.key, value, lease);
  const resp: PutResponse = { header: { revision } };
  if (req.prevKv && prev !== undefined) resp.prevKv = prev.kv;
  return resp;
}

export function deleteOp(txn: WriteTxn, req: DeleteRangeRequest): DeleteRangeResponse {
  const span = spanOf(req.key, req.rangeEnd);
  const prevKvs = req.prevKv ? rangeKeys(txn, span, 0, 0).kvs : [];
  const { deleted, revision } = txn.deleteRange(span);
  return { header: { revision }, deleted, prevKvs };
}

function execute(txn: WriteTxn, p: TxnPlan, revision: number): TxnResponse {
  const responses: ResponseOp[] = p.ops.map((op, i): ResponseOp => {
    if (op.requestRange !== undefined) return { responseRange: executeRange(txn, op.requestRange) };
    if (op.requestPut !== undefined) return { responsePut: putOp(txn, op.requestPut) };
    if (op.requestDeleteRange !== undefined) return { responseDeleteRange: deleteOp(txn, op.requestDeleteRange) };
    // etcd never fills a nested txn's header: its revision stays 0.
    if (op.requestTxn !== undefined) return { responseTxn: execute(txn, p.nested.get(i)!, 0) };
    return {};
  });
  return { header: { revision }, succeeded: p.succeeded, responses };
}

/** Runs a Txn on `txn`; throws (having changed nothing) if a chosen op fails its check. */
export function txnOp(txn: WriteTxn, rt: TxnRequest): TxnResponse {
  const p = plan(txn, rt);
  checkPlan(txn, txn.leases, p);
  const resp = execute(txn, p, 0);
  resp.header.revision = txn.rev;
  return resp;
}
