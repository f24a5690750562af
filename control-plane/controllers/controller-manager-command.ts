// `skiff controller-manager --kubeconfig F [--concurrent-syncs N] [--controllers LIST]
// [--terminated-pod-gc-threshold N] [--leader-elect ...]
// [--node-monitor-grace-period 4s] [--node-monitor-period 500ms] [--node-eviction-rate 0.1]
// [--secondary-node-eviction-rate 0.01] [--unhealthy-zone-threshold 0.55] [--large-cluster-size-threshold 50]
// [--metrics-bind-address HOST:PORT] [--load-balancer-ip-range 10.78.0.200-10.78.0.250]`:
// the controllers (ReplicaSet, Deployment, Endpoints, node lifecycle, taint eviction, garbage collector, ...) as an API client. With
// --leader-elect only the holder of the kube-system/kube-controller-manager
// Lease acts; a leader that loses it exits (as kube-controller-manager does)
// so that it comes back as a fresh standby.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { KubeConfig } from "@kubernetes/client-node";
import type { ApiClient } from "../../proto/kube/api-client.ts";
import { apiElection } from "../leader-election/api-election.ts";
import { type ElectionFlags, electionFlags, parseDuration, parseFlags as parseFlagMap } from "../leader-election/election-flags.ts";
import { createLogger } from "../logger.ts";
import { type MetricsServer, parseBindAddress, serveMetrics } from "../metrics-server.ts";
import { ControllerManager, type LeaderGate, controllerNames } from "./controller-manager.ts";
import { DynamicKubeApi } from "./dynamic/dynamic-kube-api.ts";
import { defaultTerminatedPodThreshold } from "./podgc/pod-gc-controller.ts";
import { KubeApi } from "./kube-api.ts";
import { leaseGate } from "./lease-gate.ts";
import { KubeAutoscalingClient } from "./podautoscaler/autoscaling-client.ts";
import type { AutoscalingOptions } from "./podautoscaler/hpa-controller.ts";
import { IpPool } from "./servicelb/ip-pool.ts";
import { type NodeLifecycleOptions, skiffNodeLifecycle } from "./nodelifecycle/node-lifecycle-controller.ts";

const nodeLifecycleFlags = new Set(["node-monitor-grace-period", "node-monitor-period", "node-eviction-rate", "secondary-node-eviction-rate", "unhealthy-zone-threshold", "large-cluster-size-threshold"]);

export interface ControllerManagerFlags {
  kubeconfig: string;
  workers: number;
  election: ElectionFlags;
  /** kube's --controllers: "*" (all), names, and "-name" to leave one out. */
  enabled: (name: string) => boolean;
  terminatedPodGcThreshold: number;
  nodeLifecycle: NodeLifecycleOptions;
  autoscaling: AutoscalingOptions;
  /** Where /metrics is served over plain HTTP (kube-controller-manager serves it on HTTPS :10257); off when undefined. */
  metricsBind: { host: string; port: number } | undefined;
  /** The service-lb controller's address pool. */
  loadBalancerIpRange?: string;
}

const autoscalingFlags = new Set(["horizontal-pod-autoscaler-sync-period", "horizontal-pod-autoscaler-downscale-stabilization"]);

/** --horizontal-pod-autoscaler-sync-period (15s) and --horizontal-pod-autoscaler-downscale-stabilization (5m), as kube's. */
function autoscalingOptions(flags: Map<string, string | true>): AutoscalingOptions {
  const duration = (name: string, fallback: number, ok: (ms: number) => boolean): number => {
    const v = flags.get(name);
    if (v === true) throw new Error(`--${name} needs a value`);
    const ms = v === undefined ? fallback : parseDuration(v);
    if (!ok(ms)) throw new Error(`--${name}: invalid value "${String(v)}"`);
    return ms;
  };
  return {
    syncPeriodMs: duration("horizontal-pod-autoscaler-sync-period", 15_000, (ms) => ms > 0),
    downscaleStabilizationMs: duration("horizontal-pod-autoscaler-downscale-stabilization", 300_000, (ms) => ms >= 0),
  };
}

/** kube-controller-manager's --controllers syntax: "*,-podgc" or "garbagecollector,namespace". */
export function parseControllers(text: string): (name: string) => boolean {
  const items = text.split(",").map((s) => s.trim()).filter((s) => s !== "");
  for (const item of items) {
    const name = item.replace(/^-/, "");
    if (name !== "*" && !controllerNames.includes(name)) throw new Error(`--controllers: unknown controller "${name}" (known: ${controllerNames.join(", ")})`);
  }
  return (name) => !items.includes(`-${name}`) && (items.includes("*") || items.includes(name));
}

function nodeLifecycleOptions(flags: Map<string, string | true>): NodeLifecycleOptions {
  const value = (name: string): string | undefined => {
    const v = flags.get(name);
    if (v === true) throw new Error(`--${name} needs a value`);
    return v;
  };
  const number = (name: string, fallback: number, ok: (n: number) => boolean): number => {
    const v = value(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (v === "" || !Number.isFinite(n) || !ok(n)) throw new Error(`--${name}: invalid value "${v}"`);
    return n;
  };
  const duration = (name: string, fallback: number): number => {
    const v = value(name);
    const ms = v === undefined ? fallback : parseDuration(v);
    if (ms <= 0) throw new Error(`--${name} must be positive`);
    return ms;
  };
  const d = skiffNodeLifecycle;
  return {
    gracePeriodMs: duration("node-monitor-grace-period", d.gracePeriodMs),
    monitorPeriodMs: duration("node-monitor-period", d.monitorPeriodMs),
    rates: {
      evictionRate: number("node-eviction-rate", d.rates.evictionRate, (n) => n >= 0),
      secondaryEvictionRate: number("secondary-node-eviction-rate", d.rates.secondaryEvictionRate, (n) => n >= 0),
      unhealthyZoneThreshold: number("unhealthy-zone-threshold", d.rates.unhealthyZoneThreshold, (n) => n > 0 && n <= 1),
      largeClusterSizeThreshold: number("large-cluster-size-threshold", d.rates.largeClusterSizeThreshold, (n) => Number.isInteger(n) && n >= 0),
    },
  };
}

export function parseFlags(args: string[]): ControllerManagerFlags {
  const flags = parseFlagMap(args, new Set(["leader-elect"]));
  for (const name of flags.keys()) {
    if (!["kubeconfig", "concurrent-syncs", "controllers", "terminated-pod-gc-threshold", "metrics-bind-address", "load-balancer-ip-range"].includes(name) && !name.startsWith("leader-elect") && !nodeLifecycleFlags.has(name) && !autoscalingFlags.has(name)) throw new Error(`unknown flag --${name}`);
  }
  const election = electionFlags(flags, "kube-controller-manager");
  const kubeconfig = flags.get("kubeconfig") ?? process.env.KUBECONFIG;
  if (typeof kubeconfig !== "string" || kubeconfig === "") throw new Error("--kubeconfig is required");
  const syncs = flags.get("concurrent-syncs") ?? "5";
  const workers = Number(syncs);
  if (syncs === true || !Number.isInteger(workers) || workers < 1) throw new Error("--concurrent-syncs must be a positive integer");
  const controllers = flags.get("controllers") ?? "*";
  if (controllers === true) throw new Error("--controllers needs a list");
  const threshold = flags.get("terminated-pod-gc-threshold") ?? String(defaultTerminatedPodThreshold);
  const terminatedPodGcThreshold = Number(threshold);
  if (threshold === true || !Number.isInteger(terminatedPodGcThreshold)) throw new Error("--terminated-pod-gc-threshold must be an integer (0 or less keeps every terminated pod)");
  const bind = flags.get("metrics-bind-address");
  if (bind === true) throw new Error("--metrics-bind-address needs host:port");
  const metricsBind = bind === undefined ? undefined : parseBindAddress("metrics-bind-address", bind);
  const range = flags.get("load-balancer-ip-range");
  if (range === true) throw new Error("--load-balancer-ip-range needs a range (a.b.c.d-a.b.c.e or a CIDR)");
  if (range !== undefined) IpPool.parse(range);
  return {
    kubeconfig,
    workers,
    election,
    enabled: parseControllers(controllers),
    terminatedPodGcThreshold,
    nodeLifecycle: nodeLifecycleOptions(flags),
    metricsBind,
    autoscaling: autoscalingOptions(flags),
    ...(range !== undefined ? { loadBalancerIpRange: range } : {}),
  };
}

export async function runControllerManager(args: string[]): Promise<number> {
  let flags;
  try {
    flags = parseFlags(args);
  } catch (err) {
    process.stderr.write(`controller-manager: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  const identity = `${hostname()}_${randomUUID()}`;
  const log = createLogger("controller-manager", { fields: { identity } });
  const { election } = flags;
  let leaseClient: ApiClient | undefined;
  let gate: LeaderGate | undefined;
  if (election.enabled) {
    const kc = new KubeConfig();
    kc.loadFromFile(flags.kubeconfig);
    const lease = apiElection(kc, election, identity, log);
    leaseClient = lease.client;
    gate = leaseGate(lease.config);
  }
  const kc = new KubeConfig();
  kc.loadFromFile(flags.kubeconfig);
  const manager = new ControllerManager(new KubeApi(kc, log), log, {
    workers: flags.workers,
    gate,
    dynamic: new DynamicKubeApi(kc, log),
    enabled: flags.enabled,
    podGc: { terminatedPodThreshold: flags.terminatedPodGcThreshold },
    nodeLifecycle: flags.nodeLifecycle,
    autoscaling: { ...flags.autoscaling, client: new KubeAutoscalingClient(kc) },
    ...(flags.loadBalancerIpRange !== undefined ? { loadBalancerIpRange: flags.loadBalancerIpRange } : {}),
  });
  let metricsServer: MetricsServer | undefined;
  if (flags.metricsBind !== undefined) {
    try {
      metricsServer = await serveMetrics(manager.metrics.registry, flags.metricsBind.host, flags.metricsBind.port);
    } catch (err) {
      log.error("could not serve metrics", { error: err instanceof Error ? err.message : String(err) });
      leaseClient?.close();
      process.exit(1);
    }
    log.info("serving metrics", { address: `${flags.metricsBind.host}:${metricsServer.port}` });
  }
  // Signals first: a standby waits in start() until it leads.
  const signalled = new Promise<boolean>((resolve) => {
    process.once("SIGTERM", () => resolve(true));
    process.once("SIGINT", () => resolve(true));
  });
  log.info("starting", { leaderElection: election.enabled });
  const started = manager.start().then(() => manager.done());
  const bySignal = await Promise.race([signalled, started.then(() => false)]);
  log.info("stopping", { reason: bySignal ? "signal" : "leadership lost" });
  await manager.stop();
  await metricsServer?.close();
  leaseClient?.close();
  // Exit even if a watch socket lingers; a lost leader exits non-zero so it is restarted as a standby.
  process.exit(bySignal ? 0 : 1);
}
