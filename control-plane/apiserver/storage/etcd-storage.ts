// Storage over the etcd v3 API. Conditional writes are single transactions
// comparing mod_revision (0 for "absent"), so two apiservers never overwrite
// each other; a lost compare reads the current value in the same transaction.
import { status } from "@grpc/grpc-js";
import { EtcdCallError, EtcdGrpc, etcdpb as pb, mvccpb } from "./etcd-grpc.ts";
import {
  type DeleteResult,
  type ListOptions,
  type ListResult,
  type Storage,
  StorageError,
  type StorageWatch,
  type StoredValue,
  type WatchEvent,
  type WatchHandlers,
  type WriteResult,
  prefixEnd,
} from "./storage.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function toStored(kv: { key?: Uint8Array | null; value?: Uint8Array | null; createRevision?: number | null; modRevision?: number | null }): StoredValue {
  return {
    key: dec.decode(kv.key ?? new Uint8Array(0)),
    value: kv.value ?? new Uint8Array(0),
    createRevision: Number(kv.createRevision ?? 0),
    modRevision: Number(kv.modRevision ?? 0),
  };
}

function translate(err: unknown): StorageError {
  if (err instanceof StorageError) return err;
  if (err instanceof EtcdCallError) {
    if (err.code === status.OUT_OF_RANGE || /compacted/.test(err.message)) return new StorageError("compacted", err.message);
    if (err.code === status.UNAVAILABLE || err.code === status.DEADLINE_EXCEEDED) return new StorageError("unavailable", err.message);
    return new StorageError("internal", err.message);
  }
  return new StorageError("internal", err instanceof Error ? err.message : String(err));
}

async function guarded<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    throw translate(err);
  }
}

export class EtcdStorage implements Storage {
  private readonly client: EtcdGrpc;

  constructor(endpoints: string[], timeoutMs = 10_000) {
    this.client = new EtcdGrpc(endpoints, timeoutMs);
  }

  get(key: string): Promise<{ value: StoredValue | undefined; revision: number }> {
    return guarded(async () => {
      const r = await this.client.range({ key: enc.encode(key) });
      const kv = r.kvs[0];
      return { value: kv === undefined ? undefined : toStored(kv), revision: Number(r.header?.revision ?? 0) };
    });
  }

  list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    return guarded(async () => {
      const p = enc.encode(prefix);
      const limit = opts.limit ?? 0;
      const r = await this.client.range({
        key: opts.startKey === undefined ? p : enc.encode(opts.startKey),
        rangeEnd: prefixEnd(p),
        revision: opts.revision ?? 0,
        limit,
        serializable: opts.serializable === true,
      });
      const items = r.kvs.map(toStored);
      const count = Number(r.count ?? items.length);
      return { items, revision: Number(r.header?.revision ?? 0), more: r.more === true, remaining: Math.max(0, count - items.length) };
    });
  }

  private conditionalPut(key: string, value: Uint8Array, modRevision: number): Promise<WriteResult> {
    return guarded(async () => {
      const k = enc.encode(key);
      const r = await this.client.txn({
        compare: [{ key: k, target: pb.Compare.CompareTarget.MOD, result: pb.Compare.CompareResult.EQUAL, modRevision }],
        success: [{ requestPut: { key: k, value } }],
        failure: [{ requestRange: { key: k } }],
      });
      if (r.succeeded === true) return { ok: true as const, revision: Number(r.header?.revision ?? 0) };
      const kv = r.responses[0]?.responseRange?.kvs?.[0];
      return { ok: false as const, current: kv === undefined || kv === null ? undefined : toStored(kv) };
    });
  }

  create(key: string, value: Uint8Array): Promise<WriteResult> {
    return this.conditionalPut(key, value, 0);
  }

  update(key: string, value: Uint8Array, modRevision: number): Promise<WriteResult> {
    if (modRevision <= 0) return Promise.reject(new StorageError("internal", "update needs the mod revision it replaces"));
    return this.conditionalPut(key, value, modRevision);
  }

  delete(key: string, modRevision?: number): Promise<DeleteResult> {
    return guarded(async () => {
      const k = enc.encode(key);
      const compare =
        modRevision === undefined
          ? [{ key: k, target: pb.Compare.CompareTarget.VERSION, result: pb.Compare.CompareResult.GREATER, version: 0 }]
          : [{ key: k, target: pb.Compare.CompareTarget.MOD, result: pb.Compare.CompareResult.EQUAL, modRevision }];
      const r = await this.client.txn({
        compare,
        success: [{ requestDeleteRange: { key: k, prevKv: true } }],
        failure: [{ requestRange: { key: k } }],
      });
      if (r.succeeded === true) {
        const prev = r.responses[0]?.responseDeleteRange?.prevKvs?.[0];
        if (prev === undefined || prev === null) return { ok: false as const, current: undefined };
        return { ok: true as const, revision: Number(r.header?.revision ?? 0), previous: toStored(prev) };
      }
      const kv = r.responses[0]?.responseRange?.kvs?.[0];
      return { ok: false as const, current: kv === undefined || kv === null ? undefined : toStored(kv) };
    });
  }

  async currentRevision(): Promise<number> {
    return guarded(async () => {
      // A range over a key that never exists is the cheapest way to read the header.
      const r = await this.client.range({ key: enc.encode("\u0000skiff-revision-probe"), countOnly: true });
      return Number(r.header?.revision ?? 0);
    });
  }

  /** Compacts the store's history up to revision (for tests of 410 Gone). */
  compact(revision: number): Promise<void> {
    return guarded(async () => {
      await this.client.compact(revision);
    });
  }

  watch(prefix: string, afterRevision: number, handlers: WatchHandlers): StorageWatch {
    const p = enc.encode(prefix);
    const stream = this.client.openWatch();
    let closed = false;
    const finish = (error: StorageError | undefined): void => {
      if (closed) return;
      closed = true;
      stream.cancel();
      if (error !== undefined) handlers.onError(error);
    };
    stream.on("data", (res: pb.WatchResponse) => {
      if (closed) return;
      if (Number(res.compactRevision ?? 0) > 0) {
        finish(new StorageError("compacted", `revision ${afterRevision + 1} has been compacted`, Number(res.compactRevision)));
        return;
      }
      if (res.canceled === true) {
        finish(new StorageError("internal", `watch canceled by the store: ${res.cancelReason ?? ""}`));
        return;
      }
      if (res.created === true && res.events.length === 0) return;
      const revision = Number(res.header?.revision ?? 0);
      if (res.events.length === 0) {
        handlers.onEvents([{ type: "progress", revision }]);
        return;
      }
      const events: WatchEvent[] = res.events.map((e) => {
        const kv = toStored(e.kv ?? {});
        const previous = e.prevKv === undefined || e.prevKv === null ? undefined : toStored(e.prevKv);
        return e.type === mvccpb.Event.EventType.DELETE ? { type: "delete", key: kv.key, revision: kv.modRevision, previous } : { type: "put", kv, previous };
      });
      handlers.onEvents(events);
    });
    stream.on("error", (err: Error & { code?: number }) => {
      if (closed || err.code === status.CANCELLED) return;
      finish(translate(new EtcdCallError(err.code ?? status.UNKNOWN, err.message)));
    });
    stream.on("end", () => finish(closed ? undefined : new StorageError("unavailable", "watch stream ended")));
    stream.write({ createRequest: { key: p, rangeEnd: prefixEnd(p), startRevision: afterRevision + 1, prevKv: true, progressNotify: true } });
    return { close: () => finish(undefined) };
  }

  close(): void {
    this.client.close();
  }
}
