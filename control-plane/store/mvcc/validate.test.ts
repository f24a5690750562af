// Request validation before proposing (etcd's v3rpc/key.go), and the error
// messages and gRPC statuses the server answers with.
import assert from "node:assert/strict";
import { test } from "node:test";
import { GrpcCode, grpcStatusOf, StoreError, type StoreErrorCode } from "./errors.ts";
import { b, storeErr } from "./test-support.ts";
import type { RequestOp, SortOrder, SortTarget, TxnRequest } from "./types.ts";
import { MAX_TXN_OPS, validateDeleteRange, validatePut, validateRange, validateTxn, validateWrite } from "./validate.ts";

const put = (key: string): RequestOp => ({ requestPut: { key: b(key), value: b("v") } });
const del = (key: string, rangeEnd?: string): RequestOp => ({
  requestDeleteRange: { key: b(key), rangeEnd: rangeEnd === undefined ? undefined : b(rangeEnd) },
});
const get = (key: string): RequestOp => ({ requestRange: { key: b(key) } });
const nested = (success: RequestOp[], failure: RequestOp[] = []): RequestOp => ({ requestTxn: { success, failure } });

test("empty keys are refused everywhere", () => {
  assert.throws(() => validateRange({ key: b("") }), storeErr("EmptyKey"));
  assert.throws(() => validatePut({ key: b("") }), storeErr("EmptyKey"));
  assert.throws(() => validateDeleteRange({ key: b("") }), storeErr("EmptyKey"));
  assert.throws(() => validateTxn({ compare: [{ key: b("") }] }), storeErr("EmptyKey"));
  assert.throws(() => validateTxn({ success: [get("")] }), storeErr("EmptyKey"));
  assert.throws(() => validateTxn({ failure: [nested([put("")])] }), storeErr("EmptyKey"));
  validateRange({ key: b("\0"), rangeEnd: b("\0") });
});

test("put: ignore_value with a value, ignore_lease with a lease", () => {
  assert.throws(() => validatePut({ key: b("k"), value: b("x"), ignoreValue: true }), storeErr("ValueProvided"));
  assert.throws(() => validatePut({ key: b("k"), lease: 3, ignoreLease: true }), storeErr("LeaseProvided"));
  validatePut({ key: b("k"), ignoreValue: true, ignoreLease: true });
});

test("range: sort options outside etcd's enums", () => {
  assert.throws(() => validateRange({ key: b("k"), sortOrder: 3 as SortOrder }), storeErr("InvalidSortOption"));
  assert.throws(() => validateRange({ key: b("k"), sortTarget: 5 as SortTarget }), storeErr("InvalidSortOption"));
  validateRange({ key: b("k"), sortOrder: 2, sortTarget: 4 });
});

test("txn: at most 128 compares, successes or failures", () => {
  const ops = (n: number, prefix = "k") => Array.from({ length: n }, (_, i) => put(`${prefix}${i}`));
  validateTxn({ success: ops(MAX_TXN_OPS), failure: ops(MAX_TXN_OPS) });
  assert.throws(() => validateTxn({ success: ops(MAX_TXN_OPS + 1) }), storeErr("TooManyOps"));
  assert.throws(() => validateTxn({ compare: Array.from({ length: 129 }, () => ({ key: b("a") })) }), storeErr("TooManyOps"));
  assert.throws(() => validateTxn({ success: ops(3) }, 2), storeErr("TooManyOps"));
  // Nested txns get what the outer level left (etcd's maxTxnOps - opc).
  assert.throws(() => validateTxn({ success: [...ops(126), nested(ops(2, "n"))] }), storeErr("TooManyOps"));
  validateTxn({ success: [...ops(125), nested(ops(2, "n"))] });
});

test("txn: an empty RequestOp is 'key not found', as etcd answers", () => {
  assert.throws(() => validateTxn({ success: [{}] }), storeErr("KeyNotFound"));
});

test("txn: duplicate puts and put/delete overlaps (checkIntervals)", () => {
  const dup: TxnRequest[] = [
    { success: [put("a"), put("a")] },
    { success: [del("a"), put("a")] },
    { success: [put("b"), del("a", "c")] },
    { success: [put("a"), nested([put("a")])] },
    { success: [del("a"), nested([put("a")])] },
    { success: [nested([put("a")]), nested([put("a")])] },
    { success: [nested([del("a", "c")]), put("b")] },
    { success: [nested([], [put("a")]), put("a")] },
    { failure: [put("x"), put("x")] },
    { success: [del("a", "\0"), put("zzz")] }, // to the end of the keyspace
  ];
  dup.forEach((r, i) => assert.throws(() => validateTxn(r), storeErr("DuplicateKey"), `case ${i}`));
  const fine: TxnRequest[] = [
    { success: [put("a"), put("b"), del("c"), get("a")] },
    { success: [put("a")], failure: [put("a")] }, // different branches
    { success: [nested([put("a")], [put("a")])] }, // then/else exclude each other
    { success: [del("a"), del("a")] }, // deletes may overlap
    { success: [del("a", "c"), put("c")] }, // end is exclusive
  ];
  for (const r of fine) validateTxn(r);
});

test("validateWrite picks the check for each kind", () => {
  assert.throws(() => validateWrite({ put: { key: b("") } }), storeErr("EmptyKey"));
  assert.throws(() => validateWrite({ deleteRange: { key: b("") } }), storeErr("EmptyKey"));
  assert.throws(() => validateWrite({ txn: { success: [put("a"), put("a")] } }), storeErr("DuplicateKey"));
  validateWrite({ put: { key: b("a") } });
});

test("error messages are etcd's, with the gRPC status the server sends", () => {
  const expect: [StoreErrorCode, string, GrpcCode, string][] = [
    ["Compacted", "mvcc: required revision has been compacted", GrpcCode.OutOfRange, "etcdserver: mvcc: required revision has been compacted"],
    ["FutureRevision", "mvcc: required revision is a future revision", GrpcCode.OutOfRange, "etcdserver: mvcc: required revision is a future revision"],
    ["EmptyKey", "etcdserver: key is not provided", GrpcCode.InvalidArgument, "etcdserver: key is not provided"],
    ["KeyNotFound", "etcdserver: key not found", GrpcCode.InvalidArgument, "etcdserver: key not found"],
    ["LeaseNotFound", "etcdserver: requested lease not found", GrpcCode.NotFound, "etcdserver: requested lease not found"],
    ["DuplicateKey", "etcdserver: duplicate key given in txn request", GrpcCode.InvalidArgument, "etcdserver: duplicate key given in txn request"],
    ["TooManyOps", "etcdserver: too many operations in txn request", GrpcCode.InvalidArgument, "etcdserver: too many operations in txn request"],
    ["LeaseExists", "etcdserver: lease already exists", GrpcCode.FailedPrecondition, "etcdserver: lease already exists"],
    ["LeaseTtlTooLarge", "etcdserver: too large lease TTL", GrpcCode.OutOfRange, "etcdserver: too large lease TTL"],
  ];
  for (const [code, message, grpcCode, grpcMessage] of expect) {
    const err = new StoreError(code);
    assert.equal(err.message, message);
    assert.equal(err.code, code);
    assert.deepEqual(grpcStatusOf(err), { code: grpcCode, message: grpcMessage });
  }
});
