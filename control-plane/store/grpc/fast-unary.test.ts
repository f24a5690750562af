// The fast unary path answers as grpc-js would: the handler's response, its
// errors as gRPC statuses, and every stream it does not take (other methods,
// compressed requests) still served by grpc-js.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type Client, credentials, makeGenericClientConstructor, Metadata, Server, ServerCredentials, type ServiceError, status } from "@grpc/grpc-js";
import { type etcdserverpb as pb, kvService } from "./etcd-services.ts";
import { type FastUnaryMethod, serveFastUnary } from "./fast-unary.ts";

const maxReceiveBytes = 64 * 1024;
const server = new Server({ "grpc.max_receive_message_length": maxReceiveBytes });
/** How each call reached its handler: grpc-js's calls carry metadata, the fast path's do not. */
const paths: string[] = [];
let client: Client & Record<string, (req: object, md: Metadata, cb: (err: ServiceError | null, res: unknown) => void) => void>;

const handlers = {
  put: (call: { request: pb.IPutRequest; metadata?: Metadata }, cb: (err: unknown, res?: object) => void): void => {
    paths.push(call.metadata === undefined ? "fast" : "grpc-js");
    const key = Buffer.from(call.request.key ?? []).toString();
    if (key === "bad") return cb({ code: status.INVALID_ARGUMENT, details: "etcdserver: bad key – not allowed" });
    cb(null, { header: { revision: key.length } });
  },
  range: (call: { request: pb.IRangeRequest; metadata?: Metadata }, cb: (err: unknown, res?: object) => void): void => {
    paths.push(call.metadata === undefined ? "fast" : "grpc-js");
    cb(null, { count: 7 });
  },
};

before(async () => {
  server.addService({ put: kvService.put, range: kvService.range }, handlers as never);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, p) => (err === null ? resolve(p) : reject(err))),
  );
  const fast = new Map<string, FastUnaryMethod>([[kvService.put.path, { definition: kvService.put as FastUnaryMethod["definition"], handler: handlers.put as FastUnaryMethod["handler"] }]]);
  assert.equal(serveFastUnary(server, fast, maxReceiveBytes), true);
  const Kv = makeGenericClientConstructor({ put: kvService.put, range: kvService.range }, "KV");
  client = new Kv(`127.0.0.1:${port}`, credentials.createInsecure()) as typeof client;
});

after(() => {
  client.close();
  server.forceShutdown();
});

function call(method: "put" | "range", req: object, c = client): Promise<{ err: ServiceError | null; res: unknown }> {
  return new Promise((resolve) => c[method]!(req, new Metadata(), (err, res) => resolve({ err, res })));
}

test("a plain unary request is answered by the fast path with the handler's response", async () => {
  paths.length = 0;
  const { err, res } = await call("put", { key: Buffer.from("abcd"), value: Buffer.from("v") });
  assert.equal(err, null);
  assert.equal(Number((res as pb.PutResponse).header?.revision), 4);
  assert.deepEqual(paths, ["fast"]);
});

test("a handler's error reaches the client as its gRPC code and message", async () => {
  const { err } = await call("put", { key: Buffer.from("bad") });
  assert.equal(err?.code, status.INVALID_ARGUMENT);
  assert.equal(err?.details, "etcdserver: bad key – not allowed");
});

test("a request over the receive limit is refused with RESOURCE_EXHAUSTED", async () => {
  const { err } = await call("put", { key: Buffer.from("k"), value: Buffer.alloc(maxReceiveBytes + 10) });
  assert.equal(err?.code, status.RESOURCE_EXHAUSTED);
});

test("methods outside the fast path and compressed requests still go through grpc-js", async () => {
  paths.length = 0;
  const r = await call("range", { key: Buffer.from("a") });
  assert.equal(r.err, null);
  assert.equal(Number((r.res as pb.RangeResponse).count), 7);
  const Kv = makeGenericClientConstructor({ put: kvService.put }, "KV");
  const target = client.getChannel().getTarget().replace(/^dns:/, "");
  const gzip = new Kv(target, credentials.createInsecure(), { "grpc.default_compression_algorithm": 2 }) as typeof client;
  try {
    const p = await call("put", { key: Buffer.from("xyz"), value: Buffer.alloc(4096, 0x61) }, gzip);
    assert.equal(p.err, null);
    assert.equal(Number((p.res as pb.PutResponse).header?.revision), 3);
  } finally {
    gzip.close();
  }
  assert.deepEqual(paths, ["grpc-js", "grpc-js"]);
});
