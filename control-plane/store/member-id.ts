// Member and cluster ids, derived as etcd derives them (a SHA-1 of the peer
// URLs and the cluster token; the cluster id from the sorted member ids), but
// kept below 2^53 so they are exact JavaScript numbers end to end. etcdctl
// prints them in hex like any other id.
import { createHash } from "node:crypto";

const mask = 2 ** 53;

function idFromDigest(digest: Buffer): number {
  // The top 53 bits of the first 8 bytes.
  const high = digest.readUInt32BE(0);
  const low = digest.readUInt32BE(4);
  const id = high * 2 ** 21 + Math.floor(low / 2 ** 11);
  return id === 0 ? 1 : id % mask;
}

/** `addedAt` (ms) distinguishes a member added later with the same URLs, as etcd does. */
export function memberId(peerUrls: readonly URL[], clusterToken: string, addedAt?: number): number {
  const h = createHash("sha1");
  h.update(peerUrls.map((u) => u.origin).sort().join(""));
  h.update(clusterToken);
  if (addedAt !== undefined) h.update(String(Math.floor(addedAt / 1000)));
  return idFromDigest(h.digest());
}

export function clusterId(memberIds: readonly number[]): number {
  const h = createHash("sha1");
  for (const id of [...memberIds].sort((a, b) => a - b)) {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(id));
    h.update(b);
  }
  return idFromDigest(h.digest());
}

export function formatId(id: number): string {
  return id.toString(16);
}
