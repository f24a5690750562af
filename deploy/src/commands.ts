// The table of skiff subcommands. Each entry loads its module only when run.
import { version } from "./version.ts";

export interface Command {
  name: string;
  summary: string;
  run(args: string[]): Promise<number>;
}

/** Benchmarks live in test/bench/; each exports main(args). */
const benches: Record<string, { summary: string; load: () => Promise<{ main(args: string[]): Promise<number> }> }> = {
  api: {
    summary: "the API server on skiff's store next to etcd 3.4: pod creates/s, gets/s, lists/s, watch delivery to 1,000 watchers [--quick] [--concurrency=N] [--cpu-prof[=DIR]] [--only=skiff|etcd]",
    load: () => import("../../test/bench/api.ts"),
  },
  "apiserver-writes": {
    summary: "requests/s of one apiserver for create, binding, Event and GET, on skiff's store and on etcd 3.4 [--requests N] [--concurrency N] [--only=skiff|etcd]",
    load: () => import("../../test/bench/apiserver-writes.ts"),
  },
  recovery: {
    summary: "a `skiff up` cluster (3 members, 4 nodes) healing: node kills under NodePort load (replicas Ready again, failed-request window), store-leader member kills (first write) [--rounds N] [--json]",
    load: () => import("../../test/bench/recovery.ts"),
  },
  raft: { summary: "in-process throughput of the Raft core (3 members, no I/O)", load: () => import("../../test/bench/raft-core.ts") },
  "scheduler-core": {
    summary: "the scheduler core alone, 5,000 in-memory nodes, 10,000 pods: basic, anti-affinity, taints [--nodes N] [--pods N] [--existing N] [--workload=W]",
    load: () => import("../../test/bench/scheduler-core.ts"),
  },
  startup: {
    summary: "pod startup latency on 3 real node-agent containers, 30 pods, next to `docker run -d` of the same image [--pods N] [--nodes N] [--json]",
    load: () => import("../../test/bench/startup.ts"),
  },
  scheduling: {
    summary: "the full path: apiserver on a 3-member store, 5,000 hollow nodes, skiff scheduler, 10,000 pods; basic, anti-affinity, taints [--nodes N] [--pods N] [--existing N] [--workload=W] [--kubelets]",
    load: () => import("../../test/bench/scheduling.ts"),
  },
  sim: { summary: "seeds per second of the deterministic simulator [SEEDS]", load: () => import("../../test/bench/sim-throughput.ts") },
  store: {
    summary: "skiff's store next to etcd 3.4: writes (and CPU per write), reads, watch, failover [--quick] [--only=skiff|etcd] [--writes-only] [--clients=1,16,256]",
    load: () => import("../../test/bench/store.ts"),
  },
};

async function runBench(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  const bench = name === undefined ? undefined : benches[name];
  if (bench === undefined) {
    const list = Object.entries(benches).map(([n, b]) => `  ${n.padEnd(15)} ${b.summary}`);
    process.stderr.write(`usage: skiff bench <name> [--json]

benchmarks:
${list.join("\n")}
`);
    return 2;
  }
  return (await bench.load()).main(rest);
}

const cluster = (name: string, summary: string): Command => ({
  name,
  summary,
  run: async (args) => (await import("../cluster/cluster-command.ts")).runClusterCommand(name, args),
});

export const commands: Command[] = [
  cluster("up", "start a cluster without compose: [--members 1|3|5] [--nodes N] [--name skiff] [--net 10.78]; waits until it works"),
  cluster("down", "remove every container, network and volume of the cluster (by its label) [--name skiff]"),
  cluster("status", "the cluster's members (store leader, term), nodes, and the active scheduler and controller manager"),
  cluster("kubeconfig", "print the path of the cluster's kubeconfig"),
  cluster("kill-member", "docker kill a control-plane member, as a machine loss: kill-member s2"),
  cluster("start-member", "start a killed member again: start-member s2"),
  cluster("kill-node", "docker kill a node, as a machine loss (its pods die with it): kill-node n1"),
  cluster("start-node", "start a killed node again: start-node n1"),
  cluster("partition", "cut a member or node off the cluster network (it keeps running): partition s1"),
  cluster("heal", "reconnect every machine that was cut off"),
  cluster("add-node", "add node n<N+1> to a running cluster at the next address and pod CIDR; waits until it is Ready"),
  {
    name: "version",
    summary: "print the skiff version",
    run: async () => {
      process.stdout.write(`skiff ${version}\n`);
      return 0;
    },
  },
  {
    name: "store",
    summary: "run a member of the replicated store (etcd v3 API; takes etcd's flags)",
    run: async (args) => (await import("../../control-plane/store/store-command.ts")).runStore(args),
  },
  {
    name: "apiserver",
    summary: "run the Kubernetes API server (kube-apiserver's flags: --etcd-servers, --secure-port, --tls-cert-file, ...)",
    run: async (args) => (await import("../../control-plane/apiserver/apiserver-command.ts")).runApiServer(args),
  },
  {
    name: "scheduler",
    summary: "run the scheduler against an API server: --kubeconfig FILE [--leader-elect] (kube-scheduler's flags)",
    run: async (args) => (await import("../../control-plane/scheduler/scheduler-command.ts")).runScheduler(args),
  },
  {
    name: "controller-manager",
    summary: "run the controllers (replicaset, deployment, endpoints, nodelifecycle, taint-eviction, garbagecollector, namespace, podgc, service-lb) against an API server: --kubeconfig F [--concurrent-syncs N] [--controllers LIST] [--terminated-pod-gc-threshold N] [--node-monitor-grace-period 4s] [--load-balancer-ip-range A-B]",
    run: async (args) => (await import("../../control-plane/controllers/controller-manager-command.ts")).runControllerManager(args),
  },
  {
    name: "dashboard",
    summary: "run the web dashboard (HTTPS, the kubeconfig's token): --kubeconfig F --tls-cert-file F --tls-private-key-file F --token-auth-file F [--secure-port 8443]",
    run: async (args) => (await import("../../control-plane/dashboard/dashboard-command.ts")).runDashboard(args),
  },
  {
    name: "member",
    summary: "run one control-plane member: store, API server, scheduler, controller manager and dashboard as supervised processes (--name, --ip, --certs, --initial-cluster, ...)",
    run: async (args) => (await import("../../control-plane/stacked-member/member-command.ts")).runMember(args),
  },
  {
    name: "agent",
    summary: "run a node agent (in a skiff/node-agent container): --kubeconfig F --node-name N --pod-cidr C --service-cidr S",
    run: async (args) => (await import("../../node-agent/agent/agent-command.ts")).runAgent(args),
  },
  {
    name: "hollow-nodes",
    summary: "run N hollow nodes (Node, Lease, pods marked Running, no containers): --kubeconfig F --count N [--heartbeat 1s]",
    run: async (args) => (await import("../../node-agent/hollow/hollow-nodes-command.ts")).runHollowNodes(args),
  },
  {
    name: "certs",
    summary: "write a cluster's CA, apiserver and admin certificates, tokens and kubeconfig: --dir DIR [--hosts a,b] [--server URL]",
    run: async (args) => (await import("../certs/certs-command.ts")).runCertsCommand(args),
  },
  {
    name: "images",
    summary: "build the offline images (node-base, control-plane, demo-app); --force rebuilds",
    run: async (args) => (await import("../images/images-command.ts")).runImagesCommand(args),
  },
  {
    name: "bench",
    summary: "run a benchmark: api, apiserver-writes, raft, recovery, scheduler-core, scheduling, sim, startup, store",
    run: runBench,
  },
];
