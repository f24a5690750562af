// `skiff agent --kubeconfig F --node-name N --pod-cidr C --service-cidr S [...]`:
// the node agent, run inside a skiff/node-agent container with the Docker
// socket mounted, NET_ADMIN, and ip_forward=1 / send_redirects=0.
import { KubeConfig } from "@kubernetes/client-node";
import Docker from "dockerode";
import { ApiClient } from "../../proto/kube/api-client.ts";
import { LocalIptables } from "../proxy/iptables.ts";
import { Agent } from "./agent.ts";
import { type AgentFlags, parseAgentFlags } from "./flags.ts";
import { agentLog, errorText } from "./log.ts";

const usage = `usage: skiff agent --kubeconfig FILE --node-name NAME --pod-cidr CIDR --service-cidr CIDR
  [--agent-container ID] [--network NAME] [--node-ip IP] [--cpu 2] [--memory 1Gi] [--max-pods 110]
  [--register-with-taints key=value:Effect,...] [--node-labels k=v,...] [--node-lease-renew-interval 2s]
  [--node-status-update-frequency 10s] [--sync-frequency 1s] [--pod-infra-container-image IMAGE]
  [--cluster-domain cluster.local] [--dns-port 53] [--port 10250] [--docker-socket PATH]
`;

export async function runAgent(args: string[]): Promise<number> {
  let flags: AgentFlags;
  try {
    flags = parseAgentFlags(args);
  } catch (err) {
    process.stderr.write(`agent: ${errorText(err)}\n${usage}`);
    return 2;
  }
  const log = agentLog(flags.nodeName);
  const kc = new KubeConfig();
  kc.loadFromFile(flags.kubeconfig);
  const deps = { docker: new Docker({ socketPath: flags.dockerSocket }), kc, client: new ApiClient(kc), iptables: new LocalIptables(), log };
  const signalled = new Promise<void>((resolve) => {
    process.once("SIGTERM", () => resolve());
    process.once("SIGINT", () => resolve());
  });
  let agent: Agent;
  try {
    agent = await Agent.start(flags, deps);
  } catch (err) {
    log.error("start failed", { error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    return 1;
  }
  await signalled;
  log.info("stopping");
  await agent.stop();
  // A watch socket may linger; the pods stay, a restarted agent adopts them.
  process.exit(0);
}
