// A sealed (--internal) cluster network of a test's own, with a node's pod
// CIDR carved out of it: Docker hands out the low half itself (agents and
// helpers), the high half is the pod CIDR the runtime assigns with --ip.
import type Docker from "dockerode";
import { connectDocker } from "../../deploy/images/docker-engine.ts";

export { connectDocker };

export interface TestNetwork {
  name: string;
  subnet: string;
  podCidr: string;
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
        IPAM: { Config: [{ Subnet: subnet, IPRange: `${prefix}.0/25`, Gateway: `${prefix}.1` }] },
      });
      return { name, subnet, podCidr: `${prefix}.128/25` };
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
    HostConfig: { NetworkMode: network, CapAdd: ["NET_ADMIN"] },
  });
  await agent.start();
  const info = await agent.inspect();
  const ip = info.NetworkSettings.Networks[network]?.IPAddress;
  if (ip === undefined || ip === "") throw new Error("fake agent has no address");
  return { id: agent.id, ip };
}
