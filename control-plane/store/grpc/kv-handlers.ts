// The KV service: reads are served from local state (after a ReadIndex round
// unless serializable), writes go through Raft. Read-only transactions are
// reads too, as etcd serves them.
import {
  type CompactionRequest,
  type DeleteRangeRequest,
  type PutRequest,
  type RangeRequest,
  type RequestOp,
  type TxnRequest,
  validateDeleteRange,
  validatePut,
  validateRange,
  validateTxn,
  type CompactionResponse,
  type DeleteRangeResponse,
  type PutResponse,
  type TxnResponse,
} from "../mvcc/index.ts";
import type { StoreMember } from "../member/store-member.ts";
import { plain } from "../proto-plain.ts";
import { requestBytes } from "./etcd-services.ts";
import { unary } from "./unary.ts";

/** A write as the client sent it when its bytes were kept, else encoded again. */
function proposeWrite(member: StoreMember, kind: "put" | "deleteRange" | "txn", raw: object): Promise<unknown> {
  const bytes = requestBytes(raw);
  return bytes === undefined ? member.propose({ [kind]: raw }) : member.proposeClientWrite(kind, bytes);
}

function isReadOnly(ops: RequestOp[] | undefined): boolean {
  return (ops ?? []).every((op) => op.requestPut === undefined && op.requestDeleteRange === undefined && (op.requestTxn === undefined || isReadOnlyTxn(op.requestTxn)));
}

function isReadOnlyTxn(t: TxnRequest): boolean {
  return isReadOnly(t.success) && isReadOnly(t.failure);
}

/** Nested txn responses carry no header in etcd; the top one gets the full header. */
export function kvHandlers(member: StoreMember) {
  return {
    range: unary(async (raw: unknown) => {
      const req = plain<RangeRequest>(raw);
      validateRange(req);
      const resp = await member.range(req, req.serializable === true);
      return { ...resp, header: member.header(resp.header.revision) };
    }),
    put: unary(async (raw: unknown) => {
      validatePut(plain<PutRequest>(raw));
      const resp = (await proposeWrite(member, "put", raw as object)) as PutResponse;
      return { ...resp, header: member.header(resp.header.revision) };
    }),
    deleteRange: unary(async (raw: unknown) => {
      validateDeleteRange(plain<DeleteRangeRequest>(raw));
      const resp = (await proposeWrite(member, "deleteRange", raw as object)) as DeleteRangeResponse;
      return { ...resp, header: member.header(resp.header.revision) };
    }),
    txn: unary(async (raw: unknown) => {
      const req = plain<TxnRequest>(raw);
      validateTxn(req);
      if (isReadOnlyTxn(req)) {
        await member.linearizable();
        const resp = member.machine.mvcc.txn(req);
        return { ...resp, header: member.header(resp.header.revision) };
      }
      const resp = (await proposeWrite(member, "txn", raw as object)) as TxnResponse;
      return { ...resp, header: member.header(resp.header.revision) };
    }),
    compact: unary(async (raw: unknown) => {
      const req = plain<CompactionRequest>(raw);
      const resp = (await member.propose({ compaction: { revision: req.revision ?? 0, physical: req.physical ?? false } })) as CompactionResponse;
      return { header: member.header(resp.header.revision) };
    }),
  };
}
