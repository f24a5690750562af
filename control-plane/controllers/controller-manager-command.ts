// `skiff controller-manager --kubeconfig F [--concurrent-syncs N] [--leader-elect ...]`:
// the ReplicaSet and Deployment controllers as an API client. With
// --leader-elect only the holder of the kube-system/kube-controller-manager
// Lease acts; a leader that loses it exits (as kube-controller-manager does)
// so that it comes back as a fresh standby.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { KubeConfig } from "@kubernetes/client-node";
import type { ApiClient } from "../../proto/kube/api-client.ts";
import { apiElection } from "../leader-election/api-election.ts";
import { type ElectionFlags, electionFlags, parseFlags as parseFlagMap } from "../leader-election/election-flags.ts";
import { createLogger } from "../logger.ts";
import { ControllerManager, type LeaderGate } from "./controller-manager.ts";
import { KubeApi } from "./kube-api.ts";
import { leaseGate } from "./lease-gate.ts";

export interface ControllerManagerFlags {
  kubeconfig: string;
  workers: number;
  election: ElectionFlags;
}

export function parseFlags(args: string[]): ControllerManagerFlags {
  const flags = parseFlagMap(args, new Set(["leader-elect"]));
  for (const name of flags.keys()) {
    if (name !== "kubeconfig" && name !== "concurrent-syncs" && !name.startsWith("leader-elect")) throw new Error(`unknown flag --${name}`);
  }
  const election = electionFlags(flags, "kube-controller-manager");
  const kubeconfig = flags.get("kubeconfig") ?? process.env.KUBECONFIG;
  if (typeof kubeconfig !== "string" || kubeconfig === "") throw new Error("--kubeconfig is required");
  const syncs = flags.get("concurrent-syncs") ?? "5";
  const workers = Number(syncs);
  if (syncs === true || !Number.isInteger(workers) || workers < 1) throw new Error("--concurrent-syncs must be a positive integer");
  return { kubeconfig, workers, election };
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
  const manager = new ControllerManager(KubeApi.fromFile(flags.kubeconfig, log), log, { workers: flags.workers, gate });
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
