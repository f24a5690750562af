// Where everything of a `skiff up` cluster lives: container and network names,
// addresses, and the label that finds (and removes) all of it. One Docker
// bridge network holds one subnet, so the members, the nodes, the pods' CIDRs
// and the service range all sit inside it (Docker drops forwarded traffic to
// addresses outside the subnet of an --internal network).
import { homedir } from "node:os";
import { join } from "node:path";

export const clusterLabelKey = "skiff.cluster";
export const roleLabelKey = "skiff.role";

export interface ClusterOptions {
  /** The cluster's name: prefix of its containers and network, value of its label. */
  name: string;
  members: number;
  nodes: number;
  /** The first two octets of the cluster's /16, e.g. "10.78". */
  net: string;
}

export interface Machine {
  /** The short name users type (s1, n2), also the Node name of a node. */
  name: string;
  container: string;
  ip: string;
}

export interface ClusterLayout {
  name: string;
  /** The first two octets of the cluster's /16. */
  net: string;
  label: string;
  network: string;
  subnet: string;
  members: Machine[];
  nodes: Machine[];
  serviceCidr: string;
  nodePortRange: string;
  /** The service-lb controller's pool: .0.200-.0.250, above the nodes (.0.101-) and below Docker's own range (.255.0/24). */
  loadBalancerRange: string;
  /** Where the CA, certificates, tokens and kubeconfig are written on the host. */
  credentialsDir: string;
  kubeconfig: string;
}

export const defaultClusterOptions: ClusterOptions = { name: "skiff", members: 3, nodes: 3, net: "10.78" };

export function skiffHome(): string {
  return process.env.SKIFF_HOME ?? join(homedir(), ".skiff");
}

export function memberMachine(opts: ClusterOptions, i: number): Machine {
  return { name: `s${i}`, container: `${opts.name}-s${i}`, ip: `${opts.net}.0.${10 + i}` };
}

export function nodeMachine(opts: { name: string; net: string }, i: number): Machine {
  return { name: `n${i}`, container: `${opts.name}-n${i}`, ip: `${opts.net}.0.${100 + i}` };
}

/** Node i's pod CIDR: a /24 of its own inside the cluster's /16. */
export function podCidr(opts: { net: string }, i: number): string {
  return `${opts.net}.${i}.0/24`;
}

export function clusterLayout(opts: ClusterOptions): ClusterLayout {
  if (!/^\d{1,3}\.\d{1,3}$/.test(opts.net)) throw new Error(`--net must be the first two octets of a /16, like 10.78 (got ${opts.net})`);
  if (!/^[a-z0-9][a-z0-9-]{0,30}$/.test(opts.name)) throw new Error(`--name must be lower-case letters, digits and dashes (got ${opts.name})`);
  if (opts.members !== 1 && opts.members !== 3 && opts.members !== 5) throw new Error(`--members must be 1, 3 or 5 (got ${opts.members})`);
  if (!Number.isInteger(opts.nodes) || opts.nodes < 0 || opts.nodes > 99) throw new Error(`--nodes must be 0 to 99 (got ${opts.nodes})`);
  const credentialsDir = join(skiffHome(), opts.name);
  return {
    name: opts.name,
    net: opts.net,
    label: `${clusterLabelKey}=${opts.name}`,
    network: `${opts.name}-net`,
    subnet: `${opts.net}.0.0/16`,
    members: Array.from({ length: opts.members }, (_, i) => memberMachine(opts, i + 1)),
    nodes: Array.from({ length: opts.nodes }, (_, i) => nodeMachine(opts, i + 1)),
    serviceCidr: `${opts.net}.128.0/17`,
    nodePortRange: "30000-32767",
    loadBalancerRange: `${opts.net}.0.200-${opts.net}.0.250`,
    credentialsDir,
    kubeconfig: join(credentialsDir, "kubeconfig"),
  };
}
