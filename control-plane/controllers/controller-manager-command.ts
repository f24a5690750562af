// `skiff controller-manager --kubeconfig F [--concurrent-syncs N] [--leader-elect ...]
// [--node-monitor-grace-period 4s] [--node-monitor-period 500ms] [--node-eviction-rate 0.1]
// [--secondary-node-eviction-rate 0.01] [--unhealthy-zone-threshold 0.55] [--large-cluster-size-threshold 50]`:
// the ReplicaSet, Deployment, node lifecycle and taint eviction controllers as an API client. With
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
import { ControllerManager, type LeaderGate } from "./controller-manager.ts";
import { KubeApi } from "./kube-api.ts";
import { leaseGate } from "./lease-gate.ts";
import { type NodeLifecycleOptions, skiffNodeLifecycle } from "./nodelifecycle/node-lifecycle-controller.ts";

const nodeLifecycleFlags = new Set(["node-monitor-grace-period", "node-monitor-period", "node-eviction-rate", "secondary-node-eviction-rate", "unhealthy-zone-threshold", "large-cluster-size-threshold"]);

export interface ControllerManagerFlags {
  kubeconfig: string;
  workers: number;
  election: ElectionFlags;
  nodeLifecycle: NodeLifecycleOptions;
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
    if (name !== "kubeconfig" && name !== "concurrent-syncs" && !name.startsWith("leader-elect") && !nodeLifecycleFlags.has(name)) throw new Error(`unknown flag --${name}`);
  }
  const election = electionFlags(flags, "kube-controller-manager");
  const kubeconfig = flags.get("kubeconfig") ?? process.env.KUBECONFIG;
  if (typeof kubeconfig !== "string" || kubeconfig === "") throw new Error("--kubeconfig is required");
  const syncs = flags.get("concurrent-syncs") ?? "5";
  const workers = Number(syncs);
  if (syncs === true || !Number.isInteger(workers) || workers < 1) throw new Error("--concurrent-syncs must be a positive integer");
  return { kubeconfig, workers, election, nodeLifecycle: nodeLifecycleOptions(flags) };
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
  const manager = new ControllerManager(KubeApi.fromFile(flags.kubeconfig, log), log, { workers: flags.workers, gate, nodeLifecycle: flags.nodeLifecycle });
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
  leaseClient?.close();
  // Exit even if a watch socket lingers; a lost leader exits non-zero so it is restarted as a standby.
  process.exit(bySignal ? 0 : 1);
}
