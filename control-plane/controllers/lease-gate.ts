// The controller manager's LeaderGate backed by a Lease (kube-system/
// kube-controller-manager by default): lead() runs once this instance holds
// the Lease, and its signal aborts when the Lease is lost.
import { type LeaderElectionConfig, LeaderElector } from "../leader-election/leader-elector.ts";
import type { LeaderGate } from "./controller-manager.ts";

export type LeaseGateConfig = Omit<LeaderElectionConfig, "onStartedLeading" | "onStoppedLeading">;

export function leaseGate(config: LeaseGateConfig): LeaderGate {
  const lost = new AbortController();
  let stopping = false;
  let leading: Promise<void> | undefined;
  let elector: LeaderElector | undefined;
  return {
    run: async (lead) => {
      elector = new LeaderElector({
        ...config,
        onStartedLeading: () => {
          leading = lead(lost.signal);
        },
        onStoppedLeading: () => {
          if (!stopping) lost.abort();
        },
      });
      await elector.run();
      // The elector is done (lost or stopped): leading work sees the abort and winds down.
      lost.abort();
      await leading;
    },
    stop: async () => {
      stopping = true;
      lost.abort();
      // Release the Lease only after this instance's work has stopped.
      await leading;
      await elector?.stop(true);
    },
  };
}
