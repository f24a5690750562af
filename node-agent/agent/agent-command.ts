// `skiff agent --kubeconfig F --node-name N --pod-cidr C --service-cidr S [...]`:
// the node agent, run inside a skiff/node-agent container with the Docker
// socket mounted, NET_ADMIN, and ip_forward=1 / send_redirects=0.
import { KubeConfig } from "@kubernetes/client-node";
import Docker from "dockerode";
import { ApiClient } from "../../proto/kube/api-client.ts";
import { kubeconfigWithServer } from "../../proto/kube/kubeconfig.ts";
import { ApiBalancer } from "../api-balancer/balancer.ts";
import { LocalIptables } from "../proxy/iptables.ts";
import { Agent } from "./agent.ts";
import { type AgentFlags, parseAgentFlags } from "./flags.ts";
import { agentLog, errorText } from "./log.ts";

const usage = `usage: skiff agent --kubeconfig FILE --node-name NAME --pod-cidr CIDR --service-cidr CIDR
  [--agent-container ID] [--network NAME] [--node-ip IP] [--cpu 2] [--memory 1Gi] [--max-pods 110]
  [--register-with-taints key=value:Effect,...] [--node-labels k=v,...] [--node-lease-renew-interval 2s]
  [--node-status-update-frequency 10s] [--sync-frequency 1s] [--pod-infra-container-image IMAGE]
  [--cluster-domain cluster.local] [--dns-port 53] [--port 10250] [--docker-socket PATH]
  [--api-servers host:port,...] [--container-labels k=v,...]
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
  let balancer: ApiBalancer | undefined;
  if (flags.apiServers.length > 0) {
    // As k3s agents do: every API connection goes through a balancer on
    // loopback to the first API server that answers, so losing one
    // control-plane member does not cut the node off.
    balancer = new ApiBalancer(flags.apiServers, { onSwitch: (to) => log.warn("API server switched", { to: `${to.host}:${to.port}` }) });
    const port = await balancer.listen(0);
    kc.loadFromString(kubeconfigWithServer(flags.kubeconfig, `https://127.0.0.1:${port}`));
  } else {
    kc.loadFromFile(flags.kubeconfig);
  }
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
    await balancer?.close();
    // Exit even though sockets or timers of the failed start linger: the
    // container's restart policy starts a fresh agent (e.g. once the API
    // servers answer).
    process.exit(1);
  }
  await signalled;
  log.info("stopping");
  await agent.stop();
  await balancer?.close();
  // A watch socket may linger; the pods stay, a restarted agent adopts them.
  process.exit(0);
}
