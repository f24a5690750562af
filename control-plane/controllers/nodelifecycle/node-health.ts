// When did a node last show a sign of life? A node renews its Lease in
// kube-node-lease (and sometimes writes its Ready condition); the controller
// notes, on its own clock, when either last changed, so that a clock skew
// between node and controller does not matter, and a controller that has
// just started (or taken over) gives every node a full grace period.
import type { V1Lease, V1Node, V1NodeCondition } from "@kubernetes/client-node";

export const nodeLeaseNamespace = "kube-node-lease";

/** The Ready condition's status as the node (or the controller) last wrote it. */
export type Readiness = "True" | "False" | "Unknown";

export function readyCondition(node: V1Node): V1NodeCondition | undefined {
  return (node.status?.conditions ?? []).find((c) => c.type === "Ready");
}

function reported(node: V1Node): Readiness | undefined {
  const s = readyCondition(node)?.status;
  return s === "True" || s === "False" || s === "Unknown" ? s : undefined;
}

function stamp(t: Date | string | undefined | null): string {
  if (t === undefined || t === null) return "";
  return typeof t === "string" ? t : t.toISOString();
}

export class NodeHealth {
  private readonly probes = new Map<string, { heartbeat: string; at: number }>();

  /**
   * The node's readiness now: Unknown once nothing has changed for longer than
   * the grace period, else what its Ready condition says; undefined for a
   * fresh node that has not said anything yet.
   */
  observe(node: V1Node, lease: V1Lease | undefined, now: number, graceMs: number): { readiness: Readiness | undefined; silentForMs: number } {
    const name = node.metadata?.name ?? "";
    const heartbeat = `${stamp(lease?.spec?.renewTime)}|${stamp(readyCondition(node)?.lastHeartbeatTime)}`;
    const probe = this.probes.get(name);
    if (probe === undefined || probe.heartbeat !== heartbeat) this.probes.set(name, { heartbeat, at: now });
    const silentForMs = now - this.probes.get(name)!.at;
    if (silentForMs > graceMs) return { readiness: "Unknown", silentForMs };
    return { readiness: reported(node), silentForMs };
  }

  /** Drops what is known about nodes that no longer exist. */
  retain(names: ReadonlySet<string>): void {
    for (const name of this.probes.keys()) if (!names.has(name)) this.probes.delete(name);
  }
}
