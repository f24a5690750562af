// Creating and finding the Docker objects of a `skiff up` cluster. Every
// object carries the cluster's label, so `skiff down` removes exactly these.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type Docker from "dockerode";
import { writeClusterCredentials } from "../certs/certs-command.ts";
import { clusterLabelKey, type ClusterLayout, type Machine, podCidr, roleLabelKey } from "./layout.ts";

export type Role = "member" | "node";

export function labels(layout: ClusterLayout, role: Role, machine: Machine): Record<string, string> {
  return { [clusterLabelKey]: layout.name, [roleLabelKey]: role, "skiff.machine": machine.name, "skiff.net": layout.net };
}

export async function createNetwork(docker: Docker, layout: ClusterLayout): Promise<void> {
  const existing = await docker.listNetworks({ filters: { name: [layout.network] } });
  if (existing.some((n) => n.Name === layout.network)) return;
  await docker.createNetwork({
    Name: layout.network,
    Driver: "bridge",
    // Sealed: nothing inside reaches anything outside; the host reaches everything through the bridge.
    Internal: true,
    // Containers without a fixed address get one from the top /24, away from the
    // machines (x.x.0.*), the pod CIDRs and the service range.
    IPAM: { Config: [{ Subnet: layout.subnet, IPRange: layout.subnet.replace(/\.0\.0\/16$/, ".255.0/24"), Gateway: layout.subnet.replace(/\.0\.0\/16$/, ".0.1") }] },
    Labels: { [clusterLabelKey]: layout.name, "skiff.network": "cluster" },
  });
}

export async function ensureCredentials(layout: ClusterLayout): Promise<boolean> {
  if (existsSync(join(layout.credentialsDir, "ca.crt"))) return false;
  const first = layout.members[0];
  if (first === undefined) throw new Error("a cluster needs at least one member");
  const hosts = layout.members.flatMap((m) => [m.ip, m.name, m.container]);
  await writeClusterCredentials(layout.credentialsDir, hosts, `https://${first.ip}:6443`);
  return true;
}

export function initialCluster(layout: ClusterLayout): string {
  return layout.members.map((m) => `${m.name}=http://${m.ip}:2380`).join(",");
}

export async function createMember(docker: Docker, layout: ClusterLayout, member: Machine): Promise<Docker.Container> {
  const volume = `${member.container}-data`;
  await docker.createVolume({ Name: volume, Labels: { [clusterLabelKey]: layout.name } });
  return docker.createContainer({
    name: member.container,
    Hostname: member.name,
    Image: "skiff/control-plane:latest",
    Cmd: [
      "member",
      `--name=${member.name}`,
      `--ip=${member.ip}`,
      "--data-dir=/data",
      "--certs=/certs",
      `--initial-cluster=${initialCluster(layout)}`,
      "--initial-cluster-state=new",
      `--service-cluster-ip-range=${layout.serviceCidr}`,
      `--service-node-port-range=${layout.nodePortRange}`,
      `--controller-arg=--load-balancer-ip-range=${layout.loadBalancerRange}`,
    ],
    Labels: labels(layout, "member", member),
    HostConfig: {
      Init: true,
      RestartPolicy: { Name: "unless-stopped" },
      // The socket is for the dashboard's kill/start buttons, which act only on
      // containers carrying this cluster's skiff.cluster label.
      Binds: [`${volume}:/data`, `${layout.credentialsDir}:/certs:ro`, "/var/run/docker.sock:/var/run/docker.sock"],
      NetworkMode: layout.network,
    },
    NetworkingConfig: { EndpointsConfig: { [layout.network]: { IPAMConfig: { IPv4Address: member.ip } } } },
  });
}

/** The cluster's containers, by the short machine name (s1, n2). */
export async function clusterContainers(docker: Docker, name: string): Promise<Map<string, Docker.ContainerInfo>> {
  const list = await docker.listContainers({ all: true, filters: { label: [`${clusterLabelKey}=${name}`] } });
  return new Map(list.map((c) => [c.Labels["skiff.machine"] ?? c.Names[0] ?? c.Id, c]));
}

/** A node: `skiff agent` in a skiff/node-agent container, reaching the API servers through its own balancer. */
export async function createNode(docker: Docker, layout: ClusterLayout, node: Machine, index: number): Promise<Docker.Container> {
  return docker.createContainer({
    name: node.container,
    Image: "skiff/node-agent:latest",
    Cmd: [
      "--kubeconfig=/certs/kubeconfig",
      `--node-name=${node.name}`,
      `--pod-cidr=${podCidr(layout, index)}`,
      `--service-cidr=${layout.serviceCidr}`,
      `--api-servers=${layout.members.map((m) => `${m.ip}:6443`).join(",")}`,
      `--container-labels=${clusterLabelKey}=${layout.name}`,
    ],
    Labels: labels(layout, "node", node),
    HostConfig: {
      Init: true,
      RestartPolicy: { Name: "unless-stopped" },
      CapAdd: ["NET_ADMIN"],
      Sysctls: { "net.ipv4.ip_forward": "1", "net.ipv4.conf.all.send_redirects": "0", "net.ipv4.conf.eth0.send_redirects": "0" },
      Binds: ["/var/run/docker.sock:/var/run/docker.sock", `${layout.credentialsDir}:/certs:ro`],
      NetworkMode: layout.network,
    },
    NetworkingConfig: { EndpointsConfig: { [layout.network]: { IPAMConfig: { IPv4Address: node.ip } } } },
  });
}
