// A leaner server path for the store's hot unary methods (KV Put, Range,
// Txn, DeleteRange). grpc-js builds an intercepting call per request (call
// and listener objects, a metadata copy, a deadline timer, a message decoder
// stream, channelz counters), which under many clients costs more CPU than
// the write itself. Here a plain request (one uncompressed message) is read
// from the HTTP/2 stream and answered directly, through the very handlers
// and codecs registered with grpc-js, so answers and errors are the same; any
// other stream (other methods, compressed requests) still goes to grpc-js.
//
// grpc-js has no public hook for this: its HTTP/2 servers are found in a
// private field after binding. If that field is not there (a grpc-js
// upgrade), nothing changes and every call goes through grpc-js as before.
import { constants as h2, type Http2Server, type IncomingHttpHeaders, type ServerHttp2Stream } from "node:http2";
import { type MethodDefinition, type Server, type ServerUnaryCall, type sendUnaryData, status } from "@grpc/grpc-js";

/** A method served on the fast path: its codecs and the handler grpc-js would run. */
export interface FastUnaryMethod {
  definition: MethodDefinition<object, object>;
  handler: (call: ServerUnaryCall<object, object>, callback: sendUnaryData<object>) => void;
}

type StreamListener = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, flags: number, rawHeaders: string[]) => void;

const responseHeaders = {
  [h2.HTTP2_HEADER_STATUS]: h2.HTTP_STATUS_OK,
  [h2.HTTP2_HEADER_CONTENT_TYPE]: "application/grpc+proto",
  "grpc-accept-encoding": "identity,deflate,gzip",
  "grpc-encoding": "identity",
};
const okTrailers = { "grpc-status": "0", "grpc-message": "OK" };
// No date header: gRPC has no use for it (etcd sends none) and it costs a header per call.
const respondOptions = { waitForTrailers: true, sendDate: false };
const failOptions = { endStream: true, sendDate: false };
/** The gRPC length prefix: a compressed flag and a 4-byte length. */
const prefixBytes = 5;

/**
 * Puts the fast path in front of grpc-js on every HTTP/2 server `server` has
 * bound. Returns false (and changes nothing) when grpc-js's servers cannot
 * be found.
 */
export function serveFastUnary(server: Server, methods: ReadonlyMap<string, FastUnaryMethod>, maxReceiveBytes: number): boolean {
  const servers = (server as unknown as { http2Servers?: unknown }).http2Servers;
  if (!(servers instanceof Map) || servers.size === 0) return false;
  for (const http2Server of servers.keys() as IterableIterator<Http2Server>) {
    const grpcListeners = http2Server.listeners("stream") as StreamListener[];
    if (grpcListeners.length === 0) return false;
    http2Server.removeAllListeners("stream");
    http2Server.on("stream", (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, flags: number, rawHeaders: string[]) => {
      const method = methods.get(headers[h2.HTTP2_HEADER_PATH] as string);
      if (method !== undefined && isPlainGrpc(headers)) serve(stream, method, maxReceiveBytes);
      else for (const l of grpcListeners) l.call(http2Server, stream, headers, flags, rawHeaders);
    });
  }
  return true;
}

function isPlainGrpc(headers: IncomingHttpHeaders): boolean {
  const contentType = headers[h2.HTTP2_HEADER_CONTENT_TYPE];
  const encoding = headers["grpc-encoding"];
  return typeof contentType === "string" && contentType.startsWith("application/grpc") && (encoding === undefined || encoding === "identity");
}

function serve(stream: ServerHttp2Stream, method: FastUnaryMethod, maxReceiveBytes: number): void {
  // Errors surface as 'close' (a client that cancels or times out); there is no one to answer then.
  stream.on("error", () => {});
  const chunks: Buffer[] = [];
  let size = 0;
  stream.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size <= maxReceiveBytes + prefixBytes) chunks.push(chunk);
  });
  stream.on("end", () => {
    if (size > maxReceiveBytes + prefixBytes) {
      return fail(stream, status.RESOURCE_EXHAUSTED, `Received message larger than max (${size - prefixBytes} vs ${maxReceiveBytes})`);
    }
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
    const path = method.definition.path;
    if (body.length < prefixBytes) return fail(stream, status.UNIMPLEMENTED, `Received no request message for unary method ${path}`);
    if (body[0] !== 0) return fail(stream, status.INTERNAL, "Received compressed message but \"grpc-encoding\" header was identity");
    const length = body.readUInt32BE(1);
    if (body.length !== prefixBytes + length) return fail(stream, status.UNIMPLEMENTED, `Received a second request message for unary method ${path}`);
    let request: object;
    try {
      request = method.definition.requestDeserialize(body.subarray(prefixBytes));
    } catch {
      return fail(stream, status.INTERNAL, "Error deserializing request");
    }
    method.handler({ request } as ServerUnaryCall<object, object>, (err, value) => {
      if (err !== null && err !== undefined) return fail(stream, err.code ?? status.UNKNOWN, err.details ?? "");
      respond(stream, method.definition.responseSerialize(value!));
    });
  });
}

function respond(stream: ServerHttp2Stream, message: Buffer): void {
  if (stream.destroyed || stream.closed) return;
  const frame = Buffer.allocUnsafe(prefixBytes + message.length);
  frame[0] = 0;
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, prefixBytes);
  stream.respond(responseHeaders, respondOptions);
  stream.once("wantTrailers", () => stream.sendTrailers(okTrailers));
  stream.end(frame);
}

/** A trailers-only answer, as grpc-js sends a status before any message. */
function fail(stream: ServerHttp2Stream, code: status, details: string): void {
  if (stream.destroyed || stream.closed) return;
  stream.respond(
    { "grpc-status": String(code), "grpc-message": encodeURI(details), [h2.HTTP2_HEADER_STATUS]: h2.HTTP_STATUS_OK, [h2.HTTP2_HEADER_CONTENT_TYPE]: "application/grpc+proto" },
    failOptions,
  );
}
