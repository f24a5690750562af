// `skiff scheduler`: the scheduler core on the API server, as kube-scheduler
// runs: --kubeconfig for the credentials, and with --leader-elect only the
// holder of the kube-system/kube-scheduler Lease schedules. A leader that
// loses its lease exits (kube-scheduler does too), so a supervisor restarts
// it as a fresh standby and no stale cache ever schedules.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { KubeConfig } from "@kubernetes/client-node";
import { ApiClient } from "../../proto/kube/api-client.ts";
import { apiElection } from "../leader-election/api-election.ts";
import { electionFlags, parseFlags } from "../leader-election/election-flags.ts";
import { LeaderElector } from "../leader-election/leader-elector.ts";
import { createLogger } from "../logger.ts";
import { type MetricsServer, parseBindAddress, serveMetrics } from "../metrics-server.ts";
import { Registry } from "prom-client";
import { ApiBinder } from "./api/api-binder.ts";
import { ApiClaimVolumes } from "./api/api-claim-volumes.ts";
import { ApiClusterSource } from "./api/api-cluster-source.ts";
import { defaultProfile } from "./default-profile.ts";
import { Scheduler, defaultSchedulerName } from "./scheduler.ts";

const usage = `usage: skiff scheduler --kubeconfig FILE [--leader-elect]
    [--leader-elect-lease-duration 4s] [--leader-elect-renew-deadline 3s] [--leader-elect-retry-period 1s]
    [--leader-elect-resource-namespace kube-system] [--leader-elect-resource-name kube-scheduler]
    [--metrics-bind-address HOST:PORT]   serve /metrics over HTTP (off by default; kube-scheduler's is 10259)
`;

export async function runScheduler(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(usage);
    return 0;
  }
  let flags;
  let election;
  let metricsBind: { host: string; port: number } | undefined;
  try {
    flags = parseFlags(args, new Set(["leader-elect"]));
    election = electionFlags(flags, "kube-scheduler");
    for (const name of flags.keys()) {
      if (name !== "kubeconfig" && name !== "metrics-bind-address" && !name.startsWith("leader-elect")) throw new Error(`unknown flag --${name}`);
    }
    const bind = flags.get("metrics-bind-address");
    if (bind === true) throw new Error("--metrics-bind-address needs a value");
    metricsBind = bind === undefined ? undefined : parseBindAddress("metrics-bind-address", bind);
  } catch (err) {
    process.stderr.write(`skiff scheduler: ${(err as Error).message}\n${usage}`);
    return 2;
  }
  const kubeconfig = flags.get("kubeconfig") ?? process.env.KUBECONFIG;
  if (typeof kubeconfig !== "string" || kubeconfig === "") {
    process.stderr.write(`skiff scheduler: --kubeconfig is required\n${usage}`);
    return 2;
  }
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const identity = `${hostname()}_${randomUUID()}`;
  const log = createLogger("scheduler", { fields: { identity } });
  const client = new ApiClient(kc);
  const binder = new ApiBinder(client, defaultSchedulerName, log);

  let scheduler: Scheduler | undefined;
  const volumes = new ApiClaimVolumes(kc, client);
  const startScheduling = (): void => {
    log.info("scheduling", { leaderElection: election.enabled });
    void volumes.start().catch((err: unknown) => log.warn("claim and volume caches failed to start", { error: String(err) }));
    scheduler = new Scheduler({ source: new ApiClusterSource(kc, log), binder, recorder: binder, logger: log, profile: (view) => defaultProfile(view, volumes) });
    scheduler.run();
  };

  // A standby serves its (empty) metrics too, so a scrape tells it is alive.
  let metricsServer: MetricsServer | undefined;
  if (metricsBind !== undefined) {
    const source = { contentType: Registry.PROMETHEUS_CONTENT_TYPE, metrics: () => scheduler?.metrics.registry.metrics() ?? Promise.resolve("") };
    try {
      metricsServer = await serveMetrics(source, metricsBind.host, metricsBind.port);
    } catch (err) {
      log.error("could not serve metrics", { error: (err as Error).message });
      client.close();
      return 1;
    }
    log.info("serving metrics", { address: `${metricsBind.host}:${metricsServer.port}` });
  }

  let leaseClient: ApiClient | undefined;
  let elector: LeaderElector | undefined;
  let finish: (code: number) => void = () => undefined;
  let stopping = false;
  const done = new Promise<number>((resolve) => (finish = resolve));
  if (election.enabled) {
    const lease = apiElection(kc, election, identity, log);
    leaseClient = lease.client;
    elector = new LeaderElector({
      ...lease.config,
      onStartedLeading: startScheduling,
      onStoppedLeading: () => {
        if (stopping) return;
        log.error("leader election lost; exiting");
        finish(1);
      },
    });
    void elector.run();
  } else {
    startScheduling();
  }

  const shutdown = (): void => {
    stopping = true;
    finish(0);
  };
  process.once("SIGTERM", shutdown);
  process.once("SIGINT", shutdown);
  const code = await done;
  await scheduler?.stop();
  await volumes.stop();
  await elector?.stop(code === 0);
  await metricsServer?.close();
  client.close();
  leaseClient?.close();
  log.info("stopped", { ...scheduler?.stats });
  // Informers and keep-alive sockets may linger; the process is done.
  process.exit(code);
}
