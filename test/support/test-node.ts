// A stand-in node for the node agent's tests on the real engine: the
// node-agent image, a sealed network of the test's own, a fake agent
// container on it, and pod runtime options that tie pods to that agent.
import type Docker from "dockerode";
import type { PodRuntimeOptions } from "../../node-agent/kubelet/runtime/pod-runtime.ts";
import { createTestNetwork, startFakeAgent, type TestNetwork } from "./cluster-network.ts";
import { ensureNodeAgentImage, nodeAgentImage } from "./node-agent-image.ts";

export interface TestNode {
  net: TestNetwork;
  agent: { id: string; ip: string };
  options: PodRuntimeOptions;
}

/** Everything labelled with labels (the test run's), so removeByLabel cleans it up. */
export async function startTestNode(docker: Docker, run: { value: string }, labels: Record<string, string>, extra: Partial<PodRuntimeOptions> = {}): Promise<TestNode> {
  await ensureNodeAgentImage(docker);
  const net = await createTestNetwork(docker, `skiff-test-${run.value}`, labels);
  const agent = await startFakeAgent(docker, nodeAgentImage, net.name, labels);
  const options: PodRuntimeOptions = {
    docker,
    nodeName: `node-${run.value}`,
    network: net.name,
    podCidr: net.podCidr,
    serviceCidr: net.serviceCidr,
    hostIp: agent.ip,
    infraImage: nodeAgentImage,
    agentContainer: agent.id,
    extraLabels: labels,
    ...extra,
  };
  return { net, agent, options };
}
