// The node's Service forwarding: keeps the latest Services and Endpoints,
// and writes the whole rule set with one iptables-restore per burst of
// changes (updates arriving while a write is pending or running are
// coalesced into the next one). On start it takes over the chains a
// previous agent left, so restarts replace rules in place with no window
// where Service traffic is unhandled.
import type { V1Endpoints, V1Service } from "@kubernetes/client-node";
import type { Iptables } from "./iptables.ts";
import { hooks, renderRules, servicePorts, type ProxyConfig } from "./rules.ts";

export type Schedule = (run: () => void) => void;

const perServiceChain = /^:(SKIFF-(?:SVC|SEP|XLB)-[A-Z2-7]{16}) /gm;

export class Proxier {
  private services = new Map<string, V1Service>();
  private endpoints = new Map<string, V1Endpoints>();
  private existing = new Set<string>();
  private started = false;
  private pending = false;
  private running: Promise<void> | undefined;
  private waiters: { resolve: () => void; reject: (err: unknown) => void }[] = [];
  restores = 0;

  constructor(
    private readonly iptables: Iptables,
    private readonly config: ProxyConfig,
    // When to run a write that was asked for (a short delay coalesces bursts).
    private readonly schedule: Schedule = (run) => setTimeout(run, 50),
  ) {}

  setService(svc: V1Service): Promise<void> {
    this.services.set(key(svc), svc);
    return this.requestSync();
  }

  deleteService(namespace: string, name: string): Promise<void> {
    this.services.delete(`${namespace}/${name}`);
    return this.requestSync();
  }

  setEndpoints(ep: V1Endpoints): Promise<void> {
    this.endpoints.set(key(ep), ep);
    return this.requestSync();
  }

  deleteEndpoints(namespace: string, name: string): Promise<void> {
    this.endpoints.delete(`${namespace}/${name}`);
    return this.requestSync();
  }

  // Resolves once a write that includes every change made so far is done.
  requestSync(): Promise<void> {
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.pending) {
      this.pending = true;
      this.schedule(() => void this.flush());
    }
    return done;
  }

  private async flush(): Promise<void> {
    if (this.running !== undefined) await this.running.catch(() => {});
    this.pending = false;
    const waiters = this.waiters;
    this.waiters = [];
    this.running = this.write();
    try {
      await this.running;
      for (const w of waiters) w.resolve();
    } catch (err) {
      for (const w of waiters) w.reject(err);
    } finally {
      this.running = undefined;
    }
  }

  private async write(): Promise<void> {
    if (!this.started) {
      // The chains an earlier agent made: rewritten or deleted by this write.
      const nat = await this.iptables.save("nat");
      for (const m of nat.matchAll(perServiceChain)) this.existing.add(m[1]!);
    }
    const rules = renderRules(servicePorts([...this.services.values()], [...this.endpoints.values()], this.config.nodeName), this.config, this.existing);
    await this.iptables.restore(rules.text);
    this.restores++;
    this.existing = rules.chains;
    if (!this.started) {
      // Hooks after the chains exist; -C first, so a restart adds none twice.
      for (const h of hooks) {
        if ((await this.iptables.run(["-t", h.table, "-C", h.chain, "-j", h.target])) !== 0) {
          const code = await this.iptables.run(["-t", h.table, "-I", h.chain, "1", "-j", h.target]);
          if (code !== 0) throw new Error(`could not hook ${h.table}/${h.chain} to ${h.target}`);
        }
      }
      this.started = true;
    }
  }
}

function key(o: { metadata?: { namespace?: string; name?: string } }): string {
  return `${o.metadata?.namespace ?? "default"}/${o.metadata?.name ?? ""}`;
}
