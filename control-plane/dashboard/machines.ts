// Kill and start buttons, for demos: the dashboard acts on the Docker engine
// through its socket, but only on containers that carry the cluster's label
// (skiff.cluster=NAME for `skiff up`, com.docker.compose.project=NAME for
// compose, or a label given with --docker-label), never on anything else.
// Without a scope (no socket, or not inside a cluster container) the buttons
// are off.
import { readFileSync } from "node:fs";
import Docker from "dockerode";
import type { MachineView } from "./views.ts";

/** One label, key=value, that every container of this cluster carries. */
export interface DockerScope {
  key: string;
  value: string;
}

export function parseScope(label: string): DockerScope {
  const eq = label.indexOf("=");
  if (eq <= 0 || eq === label.length - 1) throw new Error(`--docker-label must be key=value (got ${label})`);
  return { key: label.slice(0, eq), value: label.slice(eq + 1) };
}

/** This process's own container id, from the mounts Docker gives every container. */
export function ownContainerId(mountinfo: string): string | undefined {
  return /\/containers\/([0-9a-f]{64})\//.exec(mountinfo)?.[1] ?? /docker[-/]([0-9a-f]{64})/.exec(mountinfo)?.[1];
}

/** The cluster label of the container this process runs in: skiff.cluster, else the compose project. */
export function scopeFromLabels(labels: Record<string, string>): DockerScope | undefined {
  for (const key of ["skiff.cluster", "com.docker.compose.project"]) {
    const value = labels[key];
    if (value !== undefined && value !== "") return { key, value };
  }
  return undefined;
}

export function machineOf(labels: Record<string, string>, state: string): MachineView | undefined {
  const name = labels["skiff.machine"] ?? labels["com.docker.compose.service"];
  const component = labels["skiff.component"];
  const role = labels["skiff.role"] ?? (component === "control-plane" ? "member" : component === "node-agent" ? "node" : undefined);
  if (name === undefined || (role !== "member" && role !== "node")) return undefined;
  return { name, role, state };
}

export class MachineControl {
  private constructor(
    private readonly docker: Docker,
    readonly scope: DockerScope,
  ) {}

  /** With an explicit label, or the label of the container this process runs in; undefined when there is none. */
  static async open(socketPath: string, label: string | undefined): Promise<MachineControl | undefined> {
    const docker = new Docker({ socketPath });
    if (label !== undefined) return new MachineControl(docker, parseScope(label));
    let id: string | undefined;
    try {
      id = ownContainerId(readFileSync("/proc/self/mountinfo", "utf8")) ?? ownContainerId(readFileSync("/proc/self/cgroup", "utf8"));
    } catch {
      return undefined;
    }
    if (id === undefined) return undefined;
    try {
      const self = await docker.getContainer(id).inspect();
      const scope = scopeFromLabels(self.Config.Labels ?? {});
      return scope === undefined ? undefined : new MachineControl(docker, scope);
    } catch {
      return undefined; // no socket mounted, or not a container of this engine
    }
  }

  private async containers(): Promise<{ id: string; machine: MachineView }[]> {
    const list = await this.docker.listContainers({ all: true, filters: { label: [`${this.scope.key}=${this.scope.value}`] } });
    const out: { id: string; machine: MachineView }[] = [];
    for (const c of list) {
      // The engine filtered by label already; check again before anything acts on it.
      if (c.Labels[this.scope.key] !== this.scope.value) continue;
      const machine = machineOf(c.Labels, c.State);
      if (machine !== undefined) out.push({ id: c.Id, machine });
    }
    return out;
  }

  async list(): Promise<MachineView[]> {
    return (await this.containers()).map((c) => c.machine);
  }

  /** `docker kill` (a machine loss, no clean stop) or `docker start` of the cluster's machine NAME. */
  async act(action: "kill" | "start", name: string): Promise<void> {
    const found = (await this.containers()).find((c) => c.machine.name === name);
    if (found === undefined) throw new MachineNotFound(name);
    const container = this.docker.getContainer(found.id);
    if (action === "kill") await container.kill();
    else await container.start();
  }
}

export class MachineNotFound extends Error {
  constructor(name: string) {
    super(`no machine "${name}" in this cluster`);
    this.name = "MachineNotFound";
  }
}
