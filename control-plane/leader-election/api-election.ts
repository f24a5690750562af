// The election settings a component gets from its flags and kubeconfig: a
// Lease on the API server, reached by a client whose requests may take no
// longer than renewDeadline (a later answer is of no use).
import type { KubeConfig } from "@kubernetes/client-node";
import { ApiClient } from "../../proto/kube/api-client.ts";
import type { Logger } from "../logger.ts";
import type { ElectionFlags } from "./election-flags.ts";
import type { LeaderElectionConfig } from "./leader-elector.ts";
import { ApiLeaseLock } from "./lease-lock.ts";

export type ApiElection = Omit<LeaderElectionConfig, "onStartedLeading" | "onStoppedLeading" | "onNewLeader">;

/** The election config and the client behind its Lease (close it when done). */
export function apiElection(kc: KubeConfig, flags: ElectionFlags, identity: string, logger: Logger): { config: ApiElection; client: ApiClient } {
  const client = new ApiClient(kc, flags.renewDeadlineMs);
  return {
    client,
    config: {
      lock: new ApiLeaseLock(client, flags.namespace, flags.name),
      identity,
      leaseDurationMs: flags.leaseDurationMs,
      renewDeadlineMs: flags.renewDeadlineMs,
      retryPeriodMs: flags.retryPeriodMs,
      logger,
    },
  };
}
