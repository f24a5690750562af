// A small etcd v3 client over grpc-js for tests and benchmarks, using skiff's
// own service definitions (wire-compatible with etcd): the same client drives
// a skiff cluster and an etcd cluster.
import { type Client, credentials, makeGenericClientConstructor, status } from "@grpc/grpc-js";
import { etcdserverpb as pb, kvService, maintenanceService } from "../../control-plane/store/grpc/etcd-services.ts";

const KvClient = makeGenericClientConstructor(kvService, "KV");
const MaintenanceClient = makeGenericClientConstructor(maintenanceService, "Maintenance");

export class EtcdRpcError extends Error {
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
  }
}

type Unary<Req, Res> = (req: Req, opts: { deadline: number }, cb: (err: (Error & { code?: number; details?: string }) | null, res?: Res) => void) => void;

function call<Req, Res>(client: Client, method: string, req: Req, timeoutMs: number): Promise<Res> {
  const fn = (client as unknown as Record<string, Unary<Req, Res>>)[method]!.bind(client);
  return new Promise((resolve, reject) => {
    fn(req, { deadline: Date.now() + timeoutMs }, (err, res) => {
      if (err !== null) reject(new EtcdRpcError(err.code ?? status.UNKNOWN, err.details ?? err.message));
      else resolve(res as Res);
    });
  });
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export class EtcdClient {
  private readonly kv: Client;
  private readonly maintenance: Client;

  /** `endpoint` is host:port. */
  constructor(
    readonly endpoint: string,
    private readonly timeoutMs = 5000,
  ) {
    this.kv = new KvClient(endpoint, credentials.createInsecure(), { "grpc.initial_reconnect_backoff_ms": 100, "grpc.max_reconnect_backoff_ms": 500 });
    this.maintenance = new MaintenanceClient(endpoint, credentials.createInsecure());
  }

  async put(key: string, value: string | Uint8Array, timeoutMs = this.timeoutMs): Promise<{ revision: number }> {
    const r = await call<pb.PutRequest.$Properties, pb.PutResponse>(this.kv, "put", { key: enc.encode(key), value: typeof value === "string" ? enc.encode(value) : value }, timeoutMs);
    return { revision: Number(r.header?.revision ?? 0) };
  }

  async get(key: string, opts: { serializable?: boolean; timeoutMs?: number } = {}): Promise<{ value: string | null; revision: number }> {
    const r = await call<pb.RangeRequest.$Properties, pb.RangeResponse>(this.kv, "range", { key: enc.encode(key), serializable: opts.serializable ?? false }, opts.timeoutMs ?? this.timeoutMs);
    const kv = r.kvs[0];
    return { value: kv === undefined ? null : dec.decode(kv.value ?? new Uint8Array(0)), revision: Number(r.header?.revision ?? 0) };
  }

  async delete(key: string, timeoutMs = this.timeoutMs): Promise<{ deleted: number }> {
    const r = await call<pb.DeleteRangeRequest.$Properties, pb.DeleteRangeResponse>(this.kv, "deleteRange", { key: enc.encode(key) }, timeoutMs);
    return { deleted: Number(r.deleted) };
  }

  /** Compare-and-swap on the value: `expected` null means "the key must not exist". */
  async cas(key: string, expected: string | null, value: string, timeoutMs = this.timeoutMs): Promise<boolean> {
    const k = enc.encode(key);
    const compare: pb.Compare.$Properties =
      expected === null
        ? { key: k, target: pb.Compare.CompareTarget.VERSION, result: pb.Compare.CompareResult.EQUAL, version: 0 }
        : { key: k, target: pb.Compare.CompareTarget.VALUE, result: pb.Compare.CompareResult.EQUAL, value: enc.encode(expected) };
    const r = await call<pb.TxnRequest.$Properties, pb.TxnResponse>(this.kv, "txn", { compare: [compare], success: [{ requestPut: { key: k, value: enc.encode(value) } }] }, timeoutMs);
    return r.succeeded === true;
  }

  async status(timeoutMs = this.timeoutMs): Promise<{ leader: number; memberId: number; raftTerm: number; raftIndex: number }> {
    const r = await call<pb.StatusRequest.$Properties, pb.StatusResponse>(this.maintenance, "status", {}, timeoutMs);
    return { leader: Number(r.leader), memberId: Number(r.header?.memberId ?? 0), raftTerm: Number(r.raftTerm), raftIndex: Number(r.raftIndex) };
  }

  close(): void {
    this.kv.close();
    this.maintenance.close();
  }
}
