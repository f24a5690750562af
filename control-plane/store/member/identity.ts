// Who this member is: decided once, when its data directory is created, and
// read back on every restart. A member of a new cluster derives its id from
// its peer URLs (as etcd does); a member joining an existing cluster learns
// the id that `member add` gave it from the cluster itself.
import { mkdir, readFile, rename, writeFile, open } from "node:fs/promises";
import { join } from "node:path";
import { ConfChangeType, type ConfChange } from "../../raft/index.ts";
import type { StoreFlags } from "../flags.ts";
import { FlagError } from "../flags.ts";
import { clusterId as deriveClusterId, memberId } from "../member-id.ts";
import { fetchMembers } from "../transport/peer-sender.ts";
import { encodeMemberInfo, type MemberInfo } from "./cluster-state.ts";

export interface Identity {
  memberId: number;
  clusterId: number;
  name: string;
}

export interface ResolvedIdentity extends Identity {
  restarted: boolean;
  /** For a new cluster: the initial membership, as conf change entries. */
  initialMembers: ConfChange[];
  /** Peers to connect to at start (id → peer URLs). */
  peers: Map<number, URL[]>;
}

function identityPath(dataDir: string): string {
  return join(dataDir, "member", "identity.json");
}

async function readIdentity(dataDir: string): Promise<Identity | undefined> {
  try {
    return JSON.parse(await readFile(identityPath(dataDir), "utf8")) as Identity;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

async function writeIdentity(dataDir: string, id: Identity): Promise<void> {
  const dir = join(dataDir, "member");
  await mkdir(dir, { recursive: true });
  const tmp = `${identityPath(dataDir)}.tmp`;
  await writeFile(tmp, JSON.stringify(id));
  const fh = await open(tmp, "r+");
  await fh.sync();
  await fh.close();
  await rename(tmp, identityPath(dataDir));
  const d = await open(dir, "r");
  await d.sync();
  await d.close();
}

export async function resolveIdentity(flags: StoreFlags): Promise<ResolvedIdentity> {
  const existing = await readIdentity(flags.dataDir);
  const initialIds = new Map<number, { name: string; urls: URL[] }>();
  for (const [name, urls] of flags.initialCluster) initialIds.set(memberId(urls, flags.initialClusterToken), { name, urls });
  const peersFromFlags = new Map([...initialIds].map(([id, m]) => [id, m.urls] as [number, URL[]]));

  // A new cluster's initial membership, as conf change entries; the runner
  // uses them only when it creates the WAL.
  const initialMembers: ConfChange[] =
    flags.initialClusterState === "new"
      ? [...initialIds].map(([id, m]) => {
          const info: MemberInfo = { id, name: m.name, peerUrls: m.urls.map((u) => u.origin), clientUrls: [], isLearner: false };
          return { type: ConfChangeType.AddNode, nodeId: id, context: encodeMemberInfo(info) };
        })
      : [];

  if (existing !== undefined) {
    return { ...existing, restarted: true, initialMembers, peers: peersFromFlags };
  }

  if (flags.initialClusterState === "new") {
    const ids = [...initialIds.keys()];
    const self = memberId(flags.initialAdvertisePeerUrls, flags.initialClusterToken);
    const identity = { memberId: self, clusterId: deriveClusterId(ids), name: flags.name };
    await writeIdentity(flags.dataDir, identity);
    return { ...identity, restarted: false, initialMembers, peers: peersFromFlags };
  }

  // Joining: ask the other members which cluster this is and which id we were given.
  const own = flags.initialAdvertisePeerUrls.map((u) => u.origin).sort().join(",");
  let lastError: unknown;
  for (const [name, urls] of flags.initialCluster) {
    if (name === flags.name) continue;
    for (const url of urls) {
      try {
        const reply = await fetchMembers(url, 3000);
        const me = reply.members.find((m) => [...m.peerUrls].sort().join(",") === own);
        if (me === undefined) {
          throw new FlagError(`this member's peer URLs (${own}) are not in the cluster's member list: run \`etcdctl member add\` first`);
        }
        const identity = { memberId: me.id, clusterId: reply.clusterId, name: flags.name };
        await writeIdentity(flags.dataDir, identity);
        const peers = new Map(reply.members.map((m) => [m.id, m.peerUrls.map((u) => new URL(u))] as [number, URL[]]));
        return { ...identity, restarted: false, initialMembers: [], peers };
      } catch (err) {
        if (err instanceof FlagError) throw err;
        lastError = err;
      }
    }
  }
  throw new FlagError(
    `--initial-cluster-state=existing: could not reach any other member of --initial-cluster to join: ${lastError instanceof Error ? lastError.message : String(lastError)}`,
  );
}
