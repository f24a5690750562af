// The service-lb controller (k3s's ServiceLB, MetalLB's address allocation):
// a Service of type LoadBalancer gets an address from the pool in
// status.loadBalancer.ingress[0].ip; spec.loadBalancerIP is honoured when it
// lies in the pool and is free. Which addresses are taken is read from the
// Services themselves (level-triggered: a deleted Service, or one that is no
// longer a LoadBalancer, frees its address), plus the addresses this
// controller handed out whose status write it has not seen yet. The node
// agents announce the address (node-agent/proxy/announcer.ts).
import type { V1Service } from "@kubernetes/client-node";
import { type ClusterApi, isNotFound, keyOf, splitKey, timeOf } from "../api.ts";
import type { Clock } from "../clock.ts";
import { WorkQueue } from "../work-queue.ts";
import type { IpPool } from "./ip-pool.ts";

const isLoadBalancer = (svc: V1Service): boolean => svc.spec?.type === "LoadBalancer" && svc.metadata?.deletionTimestamp === undefined;
const ingressIps = (svc: V1Service): string[] => (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? "").filter((ip) => ip !== "");
const createdAt = (svc: V1Service): number => timeOf(svc.metadata?.creationTimestamp);

export class ServiceLbController {
  readonly name = "service-lb";
  readonly queue: WorkQueue;
  // Handed out, status not yet seen in the cache: key -> address.
  private readonly pending = new Map<string, string>();

  constructor(
    private readonly api: ClusterApi,
    clock: Clock,
    private readonly pool: IpPool,
  ) {
    this.queue = new WorkQueue(clock);
    api.cache("services").subscribe((e) => {
      this.queue.add(keyOf(e.object));
      // A freed address may be what a waiting Service needs.
      if (e.type === "delete" || (e.type === "update" && ingressIps(e.old).length > 0)) {
        for (const svc of this.api.cache("services").list()) if (isLoadBalancer(svc) && ingressIps(svc).length === 0) this.queue.add(keyOf(svc));
      }
    });
  }

  // Addresses other Services hold; on a clash the older Service keeps it.
  private taken(svc: V1Service): Set<string> {
    const key = keyOf(svc);
    const used = new Set<string>();
    for (const other of this.api.cache("services").list()) {
      const otherKey = keyOf(other);
      if (otherKey === key || !isLoadBalancer(other)) continue;
      const older = createdAt(other) < createdAt(svc) || (createdAt(other) === createdAt(svc) && otherKey < key);
      for (const ip of ingressIps(other)) if (older || !ingressIps(svc).includes(ip)) used.add(ip);
    }
    for (const [k, ip] of this.pending) if (k !== key) used.add(ip);
    return used;
  }

  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const svc = this.api.cache("services").get(namespace, name);
    if (svc === undefined) {
      this.pending.delete(key);
      return;
    }
    const current = ingressIps(svc);
    if (!isLoadBalancer(svc)) {
      this.pending.delete(key);
      // Only what this controller gave: another controller's status is not ours to clear.
      if (current.some((ip) => this.pool.contains(ip))) await this.writeIngress(svc, undefined);
      return;
    }
    const used = this.taken(svc);
    const wanted = svc.spec?.loadBalancerIP ?? "";
    const keep = current.find((ip) => this.pool.contains(ip) && !used.has(ip) && (wanted === "" || ip === wanted));
    if (keep !== undefined && current.length === 1) {
      this.pending.delete(key);
      return;
    }
    let ip = keep;
    if (ip === undefined && wanted !== "") ip = this.pool.contains(wanted) && !used.has(wanted) ? wanted : undefined;
    else ip ??= this.pending.get(key) ?? this.pool.firstFree(used);
    if (ip !== undefined && used.has(ip)) ip = this.pool.firstFree(used);
    if (ip === undefined) {
      // Pool exhausted or the asked address is unavailable: the Service stays <pending>.
      if (current.length > 0) await this.writeIngress(svc, undefined);
      return;
    }
    this.pending.set(key, ip);
    await this.writeIngress(svc, ip);
  }

  private async writeIngress(svc: V1Service, ip: string | undefined): Promise<void> {
    const next: V1Service = { ...svc, status: { ...(svc.status ?? {}), loadBalancer: ip === undefined ? {} : { ingress: [{ ip }] } } };
    try {
      await this.api.updateStatus("services", next);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
