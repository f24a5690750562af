// The replicated state machine of a store member: the MVCC store, the leases
// (their replicated part) and the cluster membership. Committed entries carry
// an InternalRequest; applying one is deterministic on every member, and the
// member that proposed it hands the result back to its client.
import { skiffstore } from "@skiff/proto/gen/store/internal.js";
import type { ConfChange, Entry } from "../../raft/index.ts";
import { Lessor } from "../lease/index.ts";
import { type DeleteRangeRequest, isStoreError, MvccStore, type PutRequest, type StoreError, type TxnRequest } from "../mvcc/index.ts";
import { plain } from "../proto-plain.ts";
import type { ReplicatedMachine } from "./raft-runner.ts";
import { ClusterState, decodeMemberInfo, type MemberInfo } from "./cluster-state.ts";

export type InternalRequest = skiffstore.InternalRequest.$Properties;

/** What applying a request produced: an etcd response body or a store error. */
export type ApplyResult = { ok: true; value: unknown } | { ok: false; error: StoreError };

export interface StoreMachineOptions {
  clusterId: number;
  memberId: number;
  now: () => number;
  minLeaseTtl: number;
  /** Called for every applied request, with the result. */
  onResult(requestId: number, result: ApplyResult): void;
  /** Called after a membership change is applied, with the member's info when known. */
  onMembership(cc: ConfChange, member: MemberInfo | undefined): void;
  /** Called after the state was replaced by a snapshot's (on start, or sent by the leader). */
  onRestore?(index: number, previousApplied: number): void;
}

export function encodeRequest(req: InternalRequest): Uint8Array {
  return skiffstore.InternalRequest.encode(req).finish();
}

/** InternalRequest's fields for the client writes (internal.proto). */
const clientWriteFields = { put: 3, deleteRange: 4, txn: 5 } as const;
export type ClientWriteKind = keyof typeof clientWriteFields;

function putVarint(out: number[], n: number): void {
  // Division, not shifts: shifts truncate to 32 bits.
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
}

/**
 * encodeRequest({ id, [kind]: request }) for a client write given as the
 * bytes the client sent (an etcd PutRequest, DeleteRangeRequest or
 * TxnRequest): decoding gives the same request, and nothing is encoded again.
 */
export function encodeClientWrite(id: number, kind: ClientWriteKind, request: Uint8Array): Uint8Array {
  const head: number[] = [];
  if (id !== 0) {
    head.push(0x08);
    putVarint(head, id);
  }
  head.push((clientWriteFields[kind] << 3) | 2);
  putVarint(head, request.byteLength);
  const out = new Uint8Array(head.length + request.byteLength);
  out.set(head, 0);
  out.set(request, head.length);
  return out;
}

export class StoreMachine implements ReplicatedMachine {
  readonly mvcc = new MvccStore();
  readonly lessor: Lessor;
  cluster: ClusterState;

  constructor(private readonly opts: StoreMachineOptions) {
    this.lessor = new Lessor({ store: this.mvcc, now: opts.now, minTtl: opts.minLeaseTtl, memberId: opts.memberId });
    this.cluster = new ClusterState(opts.clusterId);
  }

  applyEntry(e: Entry): void {
    if (e.data.byteLength > 0) {
      const req = skiffstore.InternalRequest.decode(e.data);
      this.opts.onResult(Number(req.id), this.execute(req));
    }
    this.mvcc.appliedIndex = e.index;
  }

  private execute(req: InternalRequest): ApplyResult {
    try {
      return { ok: true, value: this.dispatch(req) };
    } catch (err) {
      if (isStoreError(err)) return { ok: false, error: err };
      throw err;
    }
  }

  private dispatch(req: InternalRequest): unknown {
    if (req.put) return this.mvcc.put(plain<PutRequest>(req.put));
    if (req.deleteRange) return this.mvcc.deleteRange(plain<DeleteRangeRequest>(req.deleteRange));
    if (req.txn) return this.mvcc.txn(plain<TxnRequest>(req.txn));
    if (req.compaction) return this.mvcc.compact(Number(req.compaction.revision ?? 0));
    if (req.leaseGrant) {
      const granted = this.lessor.grant(Number(req.leaseGrant.ID ?? 0), Number(req.leaseGrant.TTL ?? 0));
      return { ID: granted.id, TTL: granted.ttl, header: { revision: this.mvcc.currentRevision } };
    }
    if (req.leaseRevoke) {
      const { revision } = this.lessor.revoke(Number(req.leaseRevoke.ID ?? 0));
      return { header: { revision } };
    }
    if (req.publish) {
      this.cluster.publish(Number(req.publish.id), req.publish.name ?? "", req.publish.clientUrls ?? []);
      return {};
    }
    return {};
  }

  applyConfChange(cc: ConfChange, index: number): void {
    this.cluster.applyConfChange(cc);
    const info = cc.context !== undefined && cc.context.byteLength > 0 ? decodeMemberInfo(cc.context) : undefined;
    this.opts.onMembership(cc, info);
    this.mvcc.appliedIndex = index;
  }

  /** The cluster state and the MVCC store, one after the other with a length prefix. */
  snapshot(): Uint8Array {
    const cluster = this.cluster.encode();
    const kv = this.mvcc.snapshot();
    const out = new Uint8Array(4 + cluster.byteLength + kv.byteLength);
    new DataView(out.buffer).setUint32(0, cluster.byteLength);
    out.set(cluster, 4);
    out.set(kv, 4 + cluster.byteLength);
    return out;
  }

  /**
   * The same bytes as snapshot() for the state as of this call, encoded a
   * few milliseconds at a time between turns of the event loop, so a large
   * store's snapshot does not stall the member (requests, heartbeats).
   */
  async snapshotLater(sliceMs = 4): Promise<Uint8Array> {
    const cluster = this.cluster.encode();
    const kv = this.mvcc.snapshotEncoder();
    while (!kv.step(performance.now() + sliceMs)) await new Promise((resolve) => setImmediate(resolve));
    const out = kv.finish(4 + cluster.byteLength);
    new DataView(out.buffer, out.byteOffset).setUint32(0, cluster.byteLength);
    out.set(cluster, 4);
    return out;
  }

  restore(data: Uint8Array, index: number): void {
    if (data.byteLength === 0) return;
    const previousApplied = this.mvcc.appliedIndex;
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const n = view.getUint32(0);
    this.cluster = ClusterState.decode(data.subarray(4, 4 + n));
    this.mvcc.installSnapshot(data.subarray(4 + n));
    if (this.mvcc.appliedIndex < index) this.mvcc.appliedIndex = index;
    // Leases restored from a snapshot start their clocks afresh on a leader.
    if (this.lessor.isPrimary) this.lessor.promote(0);
    this.opts.onRestore?.(index, previousApplied);
  }
}
