// Adapts an async handler to grpc-js's unary callback style, turning thrown
// errors into etcd's gRPC statuses.
import type { sendUnaryData, ServerUnaryCall } from "@grpc/grpc-js";
import { toGrpcStatus } from "../errors.ts";

export function unary<Req, Res>(fn: (req: Req) => Promise<Res>) {
  return (call: ServerUnaryCall<Req, Res>, cb: sendUnaryData<Res>): void => {
    fn(call.request).then(
      (res) => cb(null, res),
      (err: unknown) => cb(toGrpcStatus(err)),
    );
  };
}
