// The nemesis: every so often it breaks something. Crashes and restarts,
// partitions (symmetric and one-way), lossy and slow links, duplicated
// messages, leadership transfers and membership changes.
import { ConfChangeType, type NodeId, StateType } from "@skiff/control-plane/raft";
import type { EventQueue } from "./event-queue.ts";
import type { SimHost } from "./host.ts";
import type { SimNetwork } from "./network.ts";
import type { Prng } from "./prng.ts";

export interface NemesisEnv {
  queue: EventQueue;
  prng: Prng;
  network: SimNetwork;
  hosts: Map<NodeId, SimHost>;
  trace(line: string): void;
  membership: boolean;
  addMember(id: NodeId): SimHost;
}

export class Nemesis {
  private stopped = false;
  private nextId: number;
  /**
   * How often a freshly elected leader is struck down within a few
   * milliseconds, while it is still replicating entries of earlier terms:
   * the situations of the Raft paper's Figure 8.
   */
  private readonly leaderKillRate: number;
  /** In churn mode the nemesis only crashes leaders and restarts members, often. */
  private readonly churn: boolean;
  /** How often a leader is crashed the moment it commits, before anyone else learns of it. */
  private readonly commitKillRate: number;

  constructor(private readonly env: NemesisEnv) {
    this.nextId = Math.max(...env.hosts.keys()) + 1;
    this.leaderKillRate = env.prng.chance(0.7) ? env.prng.range(0.2, 0.8) : 0;
    this.churn = env.prng.chance(0.4);
    this.commitKillRate = env.prng.chance(0.7) ? env.prng.range(0.02, 0.3) : 0;
  }

  leaderCommitted(id: NodeId): void {
    const { prng, queue, trace } = this.env;
    if (this.stopped || !prng.chance(this.commitKillRate)) return;
    const h = this.env.hosts.get(id);
    if (h === undefined) return;
    queue.schedule(0, () => {
      if (this.stopped || !h.alive) return;
      const back = prng.range(20, 300);
      trace(`nemesis: crash leader ${id} as it commits, for ${back.toFixed(0)}ms`);
      h.crash();
      queue.schedule(back, () => {
        if (!this.stopped) h.restart();
      });
    });
  }

  leaderElected(id: NodeId): void {
    const { prng, queue, trace, network } = this.env;
    if (this.stopped || !prng.chance(this.leaderKillRate)) return;
    queue.schedule(prng.range(0, 15), () => {
      const h = this.env.hosts.get(id);
      if (this.stopped || h === undefined || !h.alive) return;
      // Struck down briefly: it comes back soon, with its log, to compete again.
      const back = prng.range(20, 300);
      if (prng.chance(0.5)) {
        trace(`nemesis: crash new leader ${id} for ${back.toFixed(0)}ms`);
        h.crash();
        queue.schedule(back, () => {
          if (!this.stopped) h.restart();
        });
      } else {
        trace(`nemesis: isolate new leader ${id} for ${back.toFixed(0)}ms`);
        const others = this.members().map((m) => m.id).filter((x) => x !== id);
        network.partition([[id], others]);
        queue.schedule(back, () => {
          if (!this.stopped) network.heal();
        });
      }
    });
  }

  start(): void {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
  }

  private schedule(): void {
    const wait = this.churn ? this.env.prng.range(10, 80) : this.env.prng.range(20, 300);
    this.env.queue.schedule(wait, () => {
      if (this.stopped) return;
      if (this.churn) this.churnLeaders();
      else this.act();
      this.schedule();
    });
  }

  private churnLeaders(): void {
    const { prng, trace } = this.env;
    const members = this.members();
    const down = members.filter((h) => !h.alive);
    const leader = this.leader();
    if (leader !== undefined && (down.length === 0 || prng.chance(0.5))) {
      trace(`nemesis: crash leader ${leader.id}`);
      leader.crash();
    } else if (down.length > 0) {
      const h = prng.pick(down);
      trace(`nemesis: restart ${h.id}`);
      h.restart();
    }
  }

  private members(): SimHost[] {
    return [...this.env.hosts.values()].filter((h) => !h.removed);
  }

  private leader(): SimHost | undefined {
    return this.members().find((h) => h.alive && h.raft.state === StateType.Leader);
  }

  private act(): void {
    const { prng, network, trace } = this.env;
    const members = this.members();
    const ids = members.map((h) => h.id);
    const roll = prng.int(100);
    if (roll < 18) {
      const up = members.filter((h) => h.alive);
      if (up.length === 0) return;
      const victim = prng.chance(0.4) ? (this.leader() ?? prng.pick(up)) : prng.pick(up);
      trace(`nemesis: crash ${victim.id}`);
      victim.crash();
    } else if (roll < 34) {
      const down = members.filter((h) => !h.alive);
      if (down.length === 0) return;
      const h = prng.pick(down);
      trace(`nemesis: restart ${h.id}`);
      h.restart();
    } else if (roll < 46) {
      const shuffled = prng.shuffle([...ids]);
      const cut = 1 + prng.int(shuffled.length - 1);
      const groups = [shuffled.slice(0, cut), shuffled.slice(cut)];
      trace(`nemesis: partition ${groups.map((g) => g.join(",")).join(" | ")}`);
      network.heal();
      network.partition(groups);
    } else if (roll < 54) {
      const a = prng.pick(ids);
      const others = ids.filter((x) => x !== a);
      if (prng.chance(0.5)) {
        trace(`nemesis: ${a} can send but not receive`);
        for (const b of others) network.cutLink(b, a);
      } else {
        trace(`nemesis: ${a} can receive but not send`);
        for (const b of others) network.cutLink(a, b);
      }
    } else if (roll < 68) {
      trace("nemesis: heal network");
      network.heal();
    } else if (roll < 82) {
      const slow = prng.chance(0.3);
      network.faults = {
        dropRate: prng.chance(0.5) ? prng.range(0, 0.2) : 0,
        duplicateRate: prng.chance(0.5) ? prng.range(0, 0.1) : 0,
        minDelay: 0.5,
        maxDelay: slow ? prng.range(10, 60) : prng.range(1, 8),
        slowRate: prng.chance(0.3) ? prng.range(0, 0.05) : 0,
      };
      const f = network.faults;
      trace(`nemesis: network drop=${f.dropRate.toFixed(2)} dup=${f.duplicateRate.toFixed(2)} delay<=${f.maxDelay.toFixed(0)}ms slow=${f.slowRate.toFixed(2)}`);
    } else if (roll < 90) {
      const leader = this.leader();
      const voters = leader?.raft.trk.voters() ?? [];
      if (leader === undefined || voters.length < 2) return;
      const to = prng.pick(voters.filter((v) => v !== leader.id));
      trace(`nemesis: transfer leadership ${leader.id} -> ${to}`);
      leader.raw.transferLeader(to);
    } else if (this.env.membership) {
      this.changeMembership();
    }
  }

  private changeMembership(): void {
    const { prng, trace } = this.env;
    const leader = this.leader();
    if (leader === undefined) return;
    const { voters, learners } = leader.raft.trk.confState();
    const choice = prng.int(3);
    try {
      if (choice === 0 && voters.length > 3) {
        const victim = prng.pick(voters);
        trace(`nemesis: propose removing ${victim} (leader ${leader.id})`);
        leader.raw.proposeConfChange({ type: ConfChangeType.RemoveNode, nodeId: victim });
      } else if (choice === 1 && voters.length + learners.length < 7) {
        const id = this.nextId++;
        const asLearner = prng.chance(0.5);
        this.env.addMember(id);
        trace(`nemesis: start member ${id} and propose adding it as ${asLearner ? "learner" : "voter"} (leader ${leader.id})`);
        leader.raw.proposeConfChange({ type: asLearner ? ConfChangeType.AddLearnerNode : ConfChangeType.AddNode, nodeId: id });
      } else if (choice === 2 && learners.length > 0) {
        const id = prng.pick(learners);
        trace(`nemesis: propose promoting learner ${id} (leader ${leader.id})`);
        leader.raw.proposeConfChange({ type: ConfChangeType.AddNode, nodeId: id });
      }
    } catch (err) {
      trace(`nemesis: conf change dropped: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
