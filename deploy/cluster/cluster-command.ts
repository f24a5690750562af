// The cluster commands of `skiff`: up, down, status, kubeconfig and the
// day-two actions. A cluster is found by its name (--name, default "skiff");
// its size and network come from the flags `skiff up` was given, which the
// other commands read back from the containers' labels.
import { parseArgs } from "node:util";
import type Docker from "dockerode";
import { connectDocker } from "../images/docker-engine.ts";
import { addNode, findAnyMachine, findMachine, healAll, killMachine, partitionMachine, startMachine } from "./day-two.ts";
import { clusterDown } from "./down.ts";
import { type ClusterLayout, type ClusterOptions, clusterLayout, defaultClusterOptions } from "./layout.ts";
import { clusterContainers } from "./machines.ts";
import { clusterStatus } from "./status.ts";
import { clusterUp } from "./up.ts";

const out = (text: string): void => {
  process.stdout.write(text);
};

function parse(args: string[]): { opts: ClusterOptions; rest: string[]; given: Set<string> } {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      name: { type: "string" },
      members: { type: "string" },
      nodes: { type: "string" },
      net: { type: "string" },
    },
  });
  const given = new Set(Object.keys(values));
  const opts: ClusterOptions = {
    name: values.name ?? defaultClusterOptions.name,
    members: values.members === undefined ? defaultClusterOptions.members : Number(values.members),
    nodes: values.nodes === undefined ? defaultClusterOptions.nodes : Number(values.nodes),
    net: values.net ?? defaultClusterOptions.net,
  };
  return { opts, rest: positionals, given };
}

/** The layout of an existing cluster: sizes and network read back from its containers. */
async function existingLayout(docker: Docker, opts: ClusterOptions, given: Set<string>): Promise<ClusterLayout> {
  const containers = [...(await clusterContainers(docker, opts.name)).values()];
  const count = (role: string): number => containers.filter((c) => c.Labels["skiff.role"] === role).length;
  const net = containers[0]?.Labels["skiff.net"];
  return clusterLayout({
    ...opts,
    members: given.has("members") || containers.length === 0 ? opts.members : count("member"),
    nodes: given.has("nodes") || containers.length === 0 ? opts.nodes : count("node"),
    net: given.has("net") || net === undefined ? opts.net : net,
  });
}

type Action = (docker: Docker, layout: ClusterLayout, rest: string[]) => Promise<void>;

const one = (rest: string[], what: string): string => {
  const [name] = rest;
  if (name === undefined || rest.length > 1) throw new Error(`give one ${what} name`);
  return name;
};

const actions: Record<string, Action> = {
  up: async (docker, layout) => clusterUp(docker, layout, out),
  down: async (docker, layout) => {
    const r = await clusterDown(docker, layout);
    out(`removed cluster "${layout.name}": ${r.containers} containers, ${r.networks} networks, ${r.volumes} volumes\n`);
  },
  status: async (docker, layout) => out(await clusterStatus(docker, layout)),
  kubeconfig: async (_docker, layout) => out(`${layout.kubeconfig}\n`),
  "kill-member": async (docker, layout, rest) => killMachine(docker, findMachine(layout, "member", one(rest, "member"))),
  "start-member": async (docker, layout, rest) => startMachine(docker, findMachine(layout, "member", one(rest, "member"))),
  "kill-node": async (docker, layout, rest) => killMachine(docker, findMachine(layout, "node", one(rest, "node"))),
  "start-node": async (docker, layout, rest) => startMachine(docker, findMachine(layout, "node", one(rest, "node"))),
  partition: async (docker, layout, rest) => partitionMachine(docker, layout, findAnyMachine(layout, one(rest, "member or node"))),
  "add-node": async (docker, layout) => {
    const node = await addNode(docker, layout);
    out(`${node.name} ${node.ip} Ready\n`);
  },
  heal: async (docker, layout) => {
    const healed = await healAll(docker, layout);
    out(healed.length === 0 ? "nothing was cut off\n" : `reconnected ${healed.join(", ")}\n`);
  },
};

export const clusterCommandNames = Object.keys(actions);

export async function runClusterCommand(command: string, args: string[]): Promise<number> {
  const action = actions[command];
  if (action === undefined) throw new Error(`unknown cluster command ${command}`);
  let parsed;
  try {
    parsed = parse(args);
  } catch (err) {
    process.stderr.write(`skiff ${command}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  try {
    const docker = await connectDocker();
    const layout = command === "up" ? clusterLayout(parsed.opts) : await existingLayout(docker, parsed.opts, parsed.given);
    await action(docker, layout, parsed.rest);
    return 0;
  } catch (err) {
    process.stderr.write(`skiff ${command}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
