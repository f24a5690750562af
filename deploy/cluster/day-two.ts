// Day-two actions on a `skiff up` cluster, for demos and failure tests:
// kill (as a machine loss: `docker kill`, no clean shutdown), start, and cut a
// machine off the cluster network and back.
import type Docker from "dockerode";
import type { ClusterLayout, Machine } from "./layout.ts";

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
