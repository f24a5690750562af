// A grpc-js method definition from a generated protobufjs message pair: the
// piece every hand-made etcd v3 client here (the apiserver's storage, the
// member status reader) shares.
import type { MethodDefinition } from "@grpc/grpc-js";

export interface Codec<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(bytes: Uint8Array): T;
}

export function method<Req, Res>(path: string, req: Codec<Req>, res: Codec<Res>, stream = false): MethodDefinition<Req, Res> {
  return {
    path,
    requestStream: stream,
    responseStream: stream,
    requestSerialize: (m: Req) => Buffer.from(req.encode(m).finish()),
    requestDeserialize: (b: Buffer) => req.decode(b),
    responseSerialize: (m: Res) => Buffer.from(res.encode(m).finish()),
    responseDeserialize: (b: Buffer) => res.decode(b),
  };
}
