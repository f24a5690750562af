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

type MaintenanceStub = Client & {
  status(req: object, opts: { deadline: number }, cb: (err: ServiceError | null, res?: pb.StatusResponse) => void): void;
};

function ask(client: MaintenanceStub, timeoutMs: number): Promise<MemberStatus> {
  return new Promise<MemberStatus>((resolve, reject) => {
    client.status({}, { deadline: Date.now() + timeoutMs }, (err, res) => {
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

/** One question on a connection of its own. */
export async function memberStatus(endpoint: string, timeoutMs = 2_000): Promise<MemberStatus> {
  const client = new MaintenanceClient(endpoint, credentials.createInsecure()) as unknown as MaintenanceStub;
  try {
    return await ask(client, timeoutMs);
  } finally {
    client.close();
  }
}

/** Asks the same members again and again (the dashboard, every second) over connections it keeps. */
export class MemberStatusReader {
  private readonly clients = new Map<string, MaintenanceStub>();

  status(endpoint: string, timeoutMs = 2_000): Promise<MemberStatus> {
    let client = this.clients.get(endpoint);
    if (client === undefined) {
      client = new MaintenanceClient(endpoint, credentials.createInsecure()) as unknown as MaintenanceStub;
      this.clients.set(endpoint, client);
    }
    return ask(client, timeoutMs);
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}
