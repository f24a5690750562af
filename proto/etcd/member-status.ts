// The store's view of one member (etcd's Maintenance.Status): its id, the
// leader it follows, its Raft term and index, as `etcdctl endpoint status`
// shows. Shared by `skiff status` and the dashboard; it works against skiff's
// store and a real etcd alike.
import { type Client, credentials, makeGenericClientConstructor, type ServiceError } from "@grpc/grpc-js";
import { etcdserverpb as pb } from "../gen/etcd/etcdserverpb/rpc.js";
import { method } from "./grpc-method.ts";

const MaintenanceClient = makeGenericClientConstructor({ status: method("/etcdserverpb.Maintenance/Status", pb.StatusRequest, pb.StatusResponse) }, "Maintenance");

export interface MemberStatus {
  memberId: string;
  leaderId: string;
  raftTerm: number;
  raftIndex: number;
}

export function memberStatus(endpoint: string, timeoutMs = 2_000): Promise<MemberStatus> {
  const client = new MaintenanceClient(endpoint, credentials.createInsecure()) as unknown as Client & {
    status(req: object, opts: { deadline: number }, cb: (err: ServiceError | null, res?: pb.StatusResponse) => void): void;
  };
  return new Promise<MemberStatus>((resolve, reject) => {
    client.status({}, { deadline: Date.now() + timeoutMs }, (err, res) => {
      client.close();
      if (err !== null || res === undefined) {
        reject(err ?? new Error("no answer"));
        return;
      }
      resolve({
        memberId: String(res.header?.memberId ?? ""),
        leaderId: String(res.leader),
        raftTerm: Number(res.raftTerm),
        raftIndex: Number(res.raftIndex),
      });
    });
  });
}
