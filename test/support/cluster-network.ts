// A sealed (--internal) cluster network of a test's own, carved up as the
// cluster's is: Docker hands out .0/26 itself (agents and helpers), .64/26
// is the service CIDR, .128/25 a node's pod CIDR assigned with --ip.
//
// The service CIDR must lie inside the network's subnet: with
// bridge-nf-call-iptables=1 (set by Docker) frames bridged between two
// containers go through the host's FORWARD chain, where Docker drops
// anything on an internal network addressed outside its subnet
// (DOCKER-ISOLATION-STAGE-1 `! -d <subnet> -i <bridge> -j DROP`), so a pod's
// packet to a VIP would never reach its agent. Inside the subnet, the pods'
// more specific route via the agent still wins over the on-link route.
import type Docker from "dockerode";
import { connectDocker } from "../../deploy/images/docker-engine.ts";

export { connectDocker };

export interface TestNetwork {
  name: string;
  subnet: string;
  podCidr: string;
  serviceCidr: string;
  gateway: string; // the host's address on the bridge
}

export async function createTestNetwork(docker: Docker, name: string, labels: Record<string, string>): Promise<TestNetwork> {
  let last: unknown;
  for (let i = 0; i < 20; i++) {
    const prefix = `10.${200 + Math.floor(Math.random() * 50)}.${Math.floor(Math.random() * 256)}`;
    const subnet = `${prefix}.0/24`;
    try {
      await docker.createNetwork({
        Name: name,
        Driver: "bridge",
        Internal: true,
        CheckDuplicate: true,
        Labels: labels,
        IPAM: { Config: [{ Subnet: subnet, IPRange: `${prefix}.0/26`, Gateway: `${prefix}.1` }] },
      });
      return { name, subnet, podCidr: `${prefix}.128/25`, serviceCidr: `${prefix}.64/26`, gateway: `${prefix}.1` };
    } catch (err) {
      last = err;
      if (!/overlap/i.test(String((err as Error).message))) throw err;
    }
  }
  throw new Error(`no free subnet for ${name}: ${String(last)}`);
}

// A stand-in node agent: a container on the network whose PID namespace
// the pods join, so killing it kills them.
export async function startFakeAgent(docker: Docker, image: string, network: string, labels: Record<string, string>): Promise<{ id: string; ip: string }> {
  const agent = await docker.createContainer({
    Image: image,
    Entrypoint: ["/bin/busybox", "sleep", "1000000"],
    Labels: labels,
    // It routes Service traffic for its pods, as the real agent does, in and
    // out of the same interface: without send_redirects=0 every forwarded
    // packet costs an ICMP redirect, which eats the per-peer ICMP budget the
    // REJECTs of VIPs without endpoints need (they then time out).
    HostConfig: {
      NetworkMode: network,
      CapAdd: ["NET_ADMIN"],
      Sysctls: { "net.ipv4.ip_forward": "1", "net.ipv4.conf.all.send_redirects": "0", "net.ipv4.conf.eth0.send_redirects": "0" },
    },
  });
  await agent.start();
  const info = await agent.inspect();
  const ip = info.NetworkSettings.Networks[network]?.IPAddress;
  if (ip === undefined || ip === "") throw new Error("fake agent has no address");
  return { id: agent.id, ip };
}
