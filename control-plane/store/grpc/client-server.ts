// The client-facing gRPC server of a store member: etcd's KV, Watch, Lease,
// Cluster and Maintenance services on the --listen-client-urls.
import { Server, ServerCredentials, type UntypedServiceImplementation } from "@grpc/grpc-js";
import type { StoreMember } from "../member/store-member.ts";
import { maxRequestBytes } from "../member/store-member.ts";
import { grpcAddress } from "../transport/peer-sender.ts";
import { clusterHandlers } from "./cluster-handlers.ts";
import { clusterService, kvService, leaseService, maintenanceService, watchService } from "./etcd-services.ts";
import { type FastUnaryMethod, serveFastUnary } from "./fast-unary.ts";
import { kvHandlers } from "./kv-handlers.ts";
import { leaseHandlers } from "./lease-handlers.ts";
import { maintenanceHandlers } from "./maintenance-handlers.ts";
import { watchHandlers } from "./watch-handlers.ts";

export async function startClientServer(member: StoreMember, urls: readonly URL[]): Promise<Server> {
  // gRPC accepts a little more than etcd's request limit so the store can
  // answer "request is too large" itself, as etcd does.
  const maxReceiveBytes = maxRequestBytes + 512 * 1024;
  const server = new Server({ "grpc.max_receive_message_length": maxReceiveBytes, "grpc.max_send_message_length": 64 << 20 });
  const impl = (h: object): UntypedServiceImplementation => h as UntypedServiceImplementation;
  const kv = kvHandlers(member);
  server.addService(kvService, impl(kv));
  server.addService(watchService, impl(watchHandlers(member)));
  server.addService(leaseService, impl(leaseHandlers(member)));
  server.addService(clusterService, impl(clusterHandlers(member)));
  server.addService(maintenanceService, impl(maintenanceHandlers(member)));
  for (const url of urls) {
    if (url.protocol !== "http:") throw new Error(`--listen-client-urls: only http is supported for now (got ${url.href})`);
    await new Promise<void>((resolve, reject) =>
      server.bindAsync(grpcAddress(url), ServerCredentials.createInsecure(), (err) => (err === null ? resolve() : reject(err))),
    );
  }
  // The hot KV methods skip grpc-js's per-call machinery (fast-unary.ts).
  const fast = new Map<string, FastUnaryMethod>();
  for (const name of ["range", "put", "deleteRange", "txn"] as const) {
    fast.set(kvService[name].path, { definition: kvService[name] as FastUnaryMethod["definition"], handler: kv[name] as FastUnaryMethod["handler"] });
  }
  if (!serveFastUnary(server, fast, maxReceiveBytes)) member.logger.warn("grpc-js's HTTP/2 servers not found; every call takes grpc-js's own path");
  return server;
}
