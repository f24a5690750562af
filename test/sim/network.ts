// A simulated network: every message is delayed by a random amount (which
// reorders them), may be dropped or duplicated, and never crosses a cut link.
// Links are directed, so partitions can be asymmetric.
import { type Message, MessageType, type NodeId } from "@skiff/control-plane/raft";
import type { EventQueue } from "./event-queue.ts";
import type { Prng } from "./prng.ts";

export interface NetworkFaults {
  dropRate: number;
  duplicateRate: number;
  minDelay: number;
  maxDelay: number;
  /** Share of messages that take up to 10× maxDelay: stragglers from an old term. */
  slowRate: number;
}

export const calmNetwork: NetworkFaults = { dropRate: 0, duplicateRate: 0, minDelay: 1, maxDelay: 5, slowRate: 0 };

export interface NetworkStats {
  sent: number;
  delivered: number;
  dropped: number;
  duplicated: number;
}

export class SimNetwork {
  faults: NetworkFaults = calmNetwork;
  readonly stats: NetworkStats = { sent: 0, delivered: 0, dropped: 0, duplicated: 0 };
  private cut = new Set<string>();

  /**
   * `reportSnapshot` tells the sender how a snapshot transfer ended, as a
   * real stream would: snapshots travel over a connection that reports failure.
   */
  constructor(
    private readonly queue: EventQueue,
    private readonly prng: Prng,
    private readonly deliver: (m: Message) => void,
    private readonly reportSnapshot: (m: Message, ok: boolean) => void,
  ) {}

  send(m: Message): void {
    this.stats.sent++;
    if (this.isCut(m.from, m.to) || this.prng.chance(this.faults.dropRate)) {
      this.stats.dropped++;
      if (m.type === MessageType.MsgSnap) this.queue.schedule(this.faults.maxDelay, () => this.reportSnapshot(m, false));
      return;
    }
    this.schedule(m);
    if (this.prng.chance(this.faults.duplicateRate)) {
      this.stats.duplicated++;
      this.schedule(m);
    }
  }

  private schedule(m: Message): void {
    const f = this.faults;
    let delay = this.prng.range(f.minDelay, f.maxDelay);
    if (this.prng.chance(f.slowRate)) delay *= this.prng.range(2, 10);
    this.queue.schedule(delay, () => {
      // A link cut while the message was in flight loses it too.
      const snap = m.type === MessageType.MsgSnap;
      if (this.isCut(m.from, m.to)) {
        this.stats.dropped++;
        if (snap) this.reportSnapshot(m, false);
        return;
      }
      this.stats.delivered++;
      this.deliver(m);
      if (snap) this.reportSnapshot(m, true);
    });
  }

  isCut(from: NodeId, to: NodeId): boolean {
    return this.cut.has(`${from}>${to}`);
  }

  cutLink(from: NodeId, to: NodeId): void {
    this.cut.add(`${from}>${to}`);
  }

  /** Splits the members into groups that cannot reach each other. */
  partition(groups: NodeId[][]): void {
    for (let i = 0; i < groups.length; i++) {
      for (let j = 0; j < groups.length; j++) {
        if (i === j) continue;
        for (const a of groups[i]!) for (const b of groups[j]!) this.cutLink(a, b);
      }
    }
  }

  heal(): void {
    this.cut.clear();
  }

  describeCuts(): string {
    return [...this.cut].sort().join(" ");
  }
}
