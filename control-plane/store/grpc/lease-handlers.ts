// The Lease service. Grants and revokes go through Raft; keep-alives and
// time-to-live are answered by the leader, which alone times leases (a
// follower forwards them), as in etcd. As in etcd, the response header is
// always the answering member's own, even for a forwarded call.
import type { ServerDuplexStream } from "@grpc/grpc-js";
import { isStoreError } from "../mvcc/index.ts";
import type { StoreMember } from "../member/store-member.ts";
import { plain } from "../proto-plain.ts";
import { etcdserverpb as pb } from "./etcd-services.ts";
import { unary } from "./unary.ts";

export function leaseHandlers(member: StoreMember) {
  const lessor = member.machine.lessor;

  member.handleOnLeader("LeaseRenew", async (bytes) => {
    const id = Number(pb.LeaseKeepAliveRequest.decode(bytes).ID);
    let ttl = 0;
    try {
      ttl = lessor.renew(id);
    } catch (err) {
      // An unknown or expired lease answers with TTL 0, not an error.
      if (!isStoreError(err, "LeaseNotFound")) throw err;
    }
    return pb.LeaseKeepAliveResponse.encode({ header: member.header(), ID: id, TTL: ttl }).finish();
  });

  member.handleOnLeader("LeaseTimeToLive", async (bytes) => {
    const req = pb.LeaseTimeToLiveRequest.decode(bytes);
    const id = Number(req.ID);
    try {
      const t = lessor.timeToLive(id, req.keys === true);
      return pb.LeaseTimeToLiveResponse.encode({ header: member.header(), ID: id, TTL: t.ttl, grantedTTL: t.grantedTtl, keys: t.keys }).finish();
    } catch (err) {
      // etcd answers an unknown lease with TTL -1 rather than an error.
      if (!isStoreError(err, "LeaseNotFound")) throw err;
      return pb.LeaseTimeToLiveResponse.encode({ header: member.header(), ID: id, TTL: -1 }).finish();
    }
  });

  return {
    leaseGrant: unary(async (raw: unknown) => {
      const req = plain<{ ID?: number; TTL?: number }>(raw);
      const id = req.ID !== undefined && req.ID !== 0 ? req.ID : lessor.nextLeaseId();
      const resp = (await member.propose({ leaseGrant: { ID: id, TTL: req.TTL ?? 0 } })) as { ID: number; TTL: number; header: { revision: number } };
      return { header: member.header(resp.header.revision), ID: resp.ID, TTL: resp.TTL, error: "" };
    }),
    leaseRevoke: unary(async (raw: unknown) => {
      const req = plain<{ ID?: number }>(raw);
      const resp = (await member.propose({ leaseRevoke: { ID: req.ID ?? 0 } })) as { header: { revision: number } };
      return { header: member.header(resp.header.revision) };
    }),
    leaseKeepAlive: (call: ServerDuplexStream<pb.LeaseKeepAliveRequest, pb.LeaseKeepAliveResponse.$Properties>) => {
      call.on("data", (req: pb.LeaseKeepAliveRequest) => {
        member.onLeader("LeaseRenew", pb.LeaseKeepAliveRequest.encode(req).finish()).then(
          (bytes) => call.write({ ...plain<pb.LeaseKeepAliveResponse.$Properties>(pb.LeaseKeepAliveResponse.decode(bytes)), header: member.header() }),
          (err: unknown) => call.destroy(err instanceof Error ? err : new Error(String(err))),
        );
      });
      call.on("end", () => call.end());
      call.on("error", () => {});
    },
    leaseTimeToLive: unary(async (raw: pb.LeaseTimeToLiveRequest) => {
      const resp = pb.LeaseTimeToLiveResponse.decode(await member.onLeader("LeaseTimeToLive", pb.LeaseTimeToLiveRequest.encode(raw).finish()));
      return { ...plain<pb.LeaseTimeToLiveResponse.$Properties>(resp), header: member.header() };
    }),
    leaseLeases: unary(async () => {
      await member.linearizable();
      return { header: member.header(), leases: lessor.leases().map((ID) => ({ ID })) };
    }),
  };
}
