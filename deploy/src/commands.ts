// The table of skiff subcommands. Each entry loads its module only when run.
import { version } from "./version.ts";

export interface Command {
  name: string;
  summary: string;
  run(args: string[]): Promise<number>;
}

/** Benchmarks live in test/bench/; each exports main(args). */
const benches: Record<string, { summary: string; load: () => Promise<{ main(args: string[]): Promise<number> }> }> = {
  "apiserver-writes": {
    summary: "requests/s of one apiserver for create, binding, Event and GET, on skiff's store and on etcd 3.4 [--requests N] [--concurrency N] [--only=skiff|etcd]",
    load: () => import("../../test/bench/apiserver-writes.ts"),
  },
  raft: { summary: "in-process throughput of the Raft core (3 members, no I/O)", load: () => import("../../test/bench/raft-core.ts") },
  "scheduler-core": {
    summary: "the scheduler core alone, 5,000 in-memory nodes, 10,000 pods: basic, anti-affinity, taints [--nodes N] [--pods N] [--existing N] [--workload=W]",
    load: () => import("../../test/bench/scheduler-core.ts"),
  },
  scheduling: {
    summary: "the full path: apiserver on a 3-member store, 5,000 hollow nodes, skiff scheduler, 10,000 pods; basic, anti-affinity, taints [--nodes N] [--pods N] [--existing N] [--workload=W] [--kubelets]",
    load: () => import("../../test/bench/scheduling.ts"),
  },
  sim: { summary: "seeds per second of the deterministic simulator [SEEDS]", load: () => import("../../test/bench/sim-throughput.ts") },
  store: {
    summary: "skiff's store next to etcd 3.4: writes, reads, watch, failover [--quick] [--only=skiff|etcd]",
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

export const commands: Command[] = [
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
    summary: "run the ReplicaSet, Deployment, node lifecycle and taint eviction controllers against an API server: --kubeconfig F [--concurrent-syncs N] [--node-monitor-grace-period 4s]",
    run: async (args) => (await import("../../control-plane/controllers/controller-manager-command.ts")).runControllerManager(args),
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
    summary: "run a benchmark: apiserver-writes, raft, scheduler-core, scheduling, sim, store (more arrive with the cluster)",
    run: runBench,
  },
];
