// Day-two actions on a `skiff up` cluster, for demos and failure tests:
// kill (as a machine loss: `docker kill`, no clean shutdown), start, and cut a
// machine off the cluster network and back; and add a node.
import type Docker from "dockerode";
import { memberApi, readyNodes } from "./api.ts";
import { type ClusterLayout, type Machine, nodeMachine } from "./layout.ts";
import { clusterContainers, createNode } from "./machines.ts";
import { waitUntil } from "./progress.ts";

export type MachineKind = "member" | "node";

export function findMachine(layout: ClusterLayout, kind: MachineKind, name: string): Machine {
  const list = kind === "member" ? layout.members : layout.nodes;
  const m = list.find((x) => x.name === name || x.container === name);
  if (m === undefined) throw new Error(`no ${kind} "${name}" in cluster "${layout.name}" (${kind}s: ${list.map((x) => x.name).join(", ") || "none"})`);
  return m;
}

export function findAnyMachine(layout: ClusterLayout, name: string): Machine {
  const m = [...layout.members, ...layout.nodes].find((x) => x.name === name || x.container === name);
  if (m === undefined) throw new Error(`no member or node "${name}" in cluster "${layout.name}"`);
  return m;
}

export async function killMachine(docker: Docker, m: Machine): Promise<void> {
  await docker.getContainer(m.container).kill();
}

export async function startMachine(docker: Docker, m: Machine): Promise<void> {
  await docker.getContainer(m.container).start();
}

async function connectedTo(docker: Docker, layout: ClusterLayout, m: Machine): Promise<boolean> {
  const info = await docker.getContainer(m.container).inspect();
  return info.NetworkSettings.Networks[layout.network] !== undefined;
}

/** Cuts a machine off the cluster network: it keeps running, and nothing reaches it or is reached by it. */
export async function partitionMachine(docker: Docker, layout: ClusterLayout, m: Machine): Promise<void> {
  if (!(await connectedTo(docker, layout, m))) throw new Error(`${m.name} is already cut off`);
  await docker.getNetwork(layout.network).disconnect({ Container: m.container, Force: true });
}

/** Reconnects every machine of the cluster that was cut off, each at its own address. Returns their names. */
export async function healAll(docker: Docker, layout: ClusterLayout): Promise<string[]> {
  const healed: string[] = [];
  for (const m of [...layout.members, ...layout.nodes]) {
    let connected: boolean;
    try {
      connected = await connectedTo(docker, layout, m);
    } catch {
      continue; // not created (fewer nodes than the layout names)
    }
    if (connected) continue;
    await docker.getNetwork(layout.network).connect({ Container: m.container, EndpointConfig: { IPAMConfig: { IPv4Address: m.ip } } });
    healed.push(m.name);
  }
  return healed;
}

/**
 * Adds node n<N+1> to a running cluster of N nodes, at the next address with
 * the next pod CIDR, and waits until it is Ready (asking each member's API
 * server in turn, so one member down does not stop it).
 */
export async function addNode(docker: Docker, layout: ClusterLayout, timeoutMs = 120_000): Promise<Machine> {
  if ((await clusterContainers(docker, layout.name)).size === 0) throw new Error(`cluster "${layout.name}" does not exist (\`skiff up\` starts it)`);
  const index = layout.nodes.length + 1;
  const node = nodeMachine(layout, index);
  const grown: ClusterLayout = { ...layout, nodes: [...layout.nodes, node] };
  const container = await createNode(docker, grown, node, index);
  await container.start();
  const apis = layout.members.map((m) => memberApi(layout, m));
  try {
    let turn = 0;
    await waitUntil(`${node.name} Ready`, async () => {
      const api = apis[turn++ % apis.length];
      return api !== undefined && (await readyNodes(api)).includes(node.name) ? true : undefined;
    }, timeoutMs);
  } finally {
    for (const api of apis) api.close();
  }
  return node;
}
