// A thin etcd v3 client on grpc-js and the generated protos in proto/: the
// calls the apiserver's storage needs (Range, Txn, DeleteRange, Watch), no more.
// It runs unchanged against skiff's store and a real etcd.
import type { status } from "@grpc/grpc-js";
import { type Client, type ClientDuplexStream, type ServiceError, credentials, makeGenericClientConstructor } from "@grpc/grpc-js";
import { etcdserverpb as pb, mvccpb } from "@skiff/proto/gen/etcd/etcdserverpb/rpc.js";
import { method } from "../../../proto/etcd/grpc-method.ts";

const kvService = {
  range: method("/etcdserverpb.KV/Range", pb.RangeRequest, pb.RangeResponse),
  deleteRange: method("/etcdserverpb.KV/DeleteRange", pb.DeleteRangeRequest, pb.DeleteRangeResponse),
  txn: method("/etcdserverpb.KV/Txn", pb.TxnRequest, pb.TxnResponse),
  compact: method("/etcdserverpb.KV/Compact", pb.CompactionRequest, pb.CompactionResponse),
};
const watchService = { watch: method("/etcdserverpb.Watch/Watch", pb.WatchRequest, pb.WatchResponse, true) };

const KvClient = makeGenericClientConstructor(kvService, "KV");
const WatchClient = makeGenericClientConstructor(watchService, "Watch");

export { pb as etcdpb, mvccpb };
export type WatchStream = ClientDuplexStream<pb.WatchRequest.$Properties, pb.WatchResponse>;

/** A failed etcd call with its gRPC status code. */
export class EtcdCallError extends Error {
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
  }
}

type Unary<Req, Res> = (req: Req, opts: { deadline: number }, cb: (err: ServiceError | null, res?: Res) => void) => void;

/** The grpc-js target for a list of endpoints (host:port or http://host:port). */
export function grpcTarget(endpoints: string[]): string {
  const hosts = endpoints.map((e) => e.replace(/^https?:\/\//, "").replace(/\/$/, ""));
  // grpc-js resolves "ipv4:a,b" to several addresses and fails over between them.
  if (hosts.length > 1 && hosts.every((h) => /^\d+\.\d+\.\d+\.\d+:\d+$/.test(h))) return `ipv4:${hosts.join(",")}`;
  return hosts[0] ?? "127.0.0.1:2379";
}

export class EtcdGrpc {
  private readonly kv: Client;
  private readonly watcher: Client;

  constructor(
    endpoints: string[],
    private readonly timeoutMs = 10_000,
  ) {
    const opts = { "grpc.initial_reconnect_backoff_ms": 100, "grpc.max_reconnect_backoff_ms": 1000, "grpc.max_receive_message_length": 64 << 20 };
    const target = grpcTarget(endpoints);
    this.kv = new KvClient(target, credentials.createInsecure(), opts);
    this.watcher = new WatchClient(target, credentials.createInsecure(), opts);
  }

  private call<Req, Res>(name: keyof typeof kvService, req: Req): Promise<Res> {
    const fn = (this.kv as unknown as Record<string, Unary<Req, Res>>)[name]!.bind(this.kv);
    return new Promise((resolve, reject) => {
      fn(req, { deadline: Date.now() + this.timeoutMs }, (err, res) => {
        if (err !== null) reject(new EtcdCallError(err.code, err.details || err.message));
        else resolve(res as Res);
      });
    });
  }

  range(req: pb.RangeRequest.$Properties): Promise<pb.RangeResponse> {
    return this.call("range", req);
  }

  txn(req: pb.TxnRequest.$Properties): Promise<pb.TxnResponse> {
    return this.call("txn", req);
  }

  deleteRange(req: pb.DeleteRangeRequest.$Properties): Promise<pb.DeleteRangeResponse> {
    return this.call("deleteRange", req);
  }

  compact(revision: number): Promise<pb.CompactionResponse> {
    return this.call("compact", { revision, physical: true });
  }

  openWatch(): WatchStream {
    return (this.watcher as unknown as { watch(): WatchStream }).watch();
  }

  close(): void {
    this.kv.close();
    this.watcher.close();
  }
}
