// The scheduling queue in three parts, as kube-scheduler's:
// - active: pods to try now, highest priority first, then oldest;
// - backoff: pods that failed, waiting out an exponential backoff per pod
//   (1 s doubling to 10 s), moved to active when it expires;
// - unschedulable: pods no node could take; they wait for a cluster event
//   that may help (a node added or changed, a pod deleted, ...) and are
//   flushed back after a while in case an event was missed.
import type { Clock } from "../clock.ts";
import type { PodInfo } from "../framework/pod-info.ts";
import type { ClusterEventKind } from "../framework/types.ts";
import { podChangeMatters } from "../object-changes.ts";
import { KeyedHeap } from "./heap.ts";

export interface QueuedPod {
  pi: PodInfo;
  readonly key: string;
  /** When it last entered the active queue (ordering among equal priorities). */
  enqueuedAt: number;
  /** Scheduling attempts so far; drives the backoff. */
  attempts: number;
  /** When the last attempt failed; the backoff counts from here. */
  failedAt: number;
  /** Plugins that rejected it in its last attempt. */
  unschedulablePlugins: ReadonlySet<string>;
}

export interface QueueOptions {
  clock: Clock;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** How long a pod may sit in unschedulable before it is tried again anyway (kube: 5 min). */
  maxUnschedulableMs?: number;
  /** For each plugin, the events that may undo its rejection; plugins not listed react to every event. */
  pluginEvents?: ReadonlyMap<string, readonly ClusterEventKind[]>;
}

export class SchedulingQueue {
  private readonly clock: Clock;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxUnschedulableMs: number;
  private readonly pluginEvents: ReadonlyMap<string, readonly ClusterEventKind[]>;

  private readonly active = new KeyedHeap<QueuedPod>(
    (q) => q.key,
    (a, b) => (a.pi.priority !== b.pi.priority ? a.pi.priority > b.pi.priority : a.enqueuedAt < b.enqueuedAt),
  );
  private readonly backoff = new KeyedHeap<QueuedPod>(
    (q) => q.key,
    (a, b) => this.backoffExpiry(a) < this.backoffExpiry(b),
  );
  private readonly unschedulable = new Map<string, { q: QueuedPod; since: number }>();
  private readonly inFlight = new Map<string, QueuedPod>();
  private schedulingCycle = 0;
  /** The cycle in which the last move request (cluster event) came. */
  private moveRequestCycle = -1;

  constructor(options: QueueOptions) {
    this.clock = options.clock;
    this.initialBackoffMs = options.initialBackoffMs ?? 1000;
    this.maxBackoffMs = options.maxBackoffMs ?? 10_000;
    this.maxUnschedulableMs = options.maxUnschedulableMs ?? 5 * 60_000;
    this.pluginEvents = options.pluginEvents ?? new Map();
  }

  get sizes(): { active: number; backoff: number; unschedulable: number; inFlight: number } {
    return { active: this.active.size, backoff: this.backoff.size, unschedulable: this.unschedulable.size, inFlight: this.inFlight.size };
  }

  has(key: string): boolean {
    return this.active.has(key) || this.backoff.has(key) || this.unschedulable.has(key) || this.inFlight.has(key);
  }

  /** A new pending pod. */
  add(pi: PodInfo): void {
    if (this.has(pi.key)) {
      this.update(pi);
      return;
    }
    this.active.push({ pi, key: pi.key, enqueuedAt: this.clock.now(), attempts: 0, failedAt: 0, unschedulablePlugins: new Set() });
  }

  /**
   * The pending pod changed. An unschedulable one gets another chance if its
   * spec, labels or annotations changed; a change of status alone (such as
   * the PodScheduled condition the scheduler itself writes) leaves it waiting.
   */
  update(pi: PodInfo): void {
    const flying = this.inFlight.get(pi.key);
    if (flying !== undefined) {
      flying.pi = pi;
      return;
    }
    for (const heap of [this.active, this.backoff]) {
      const q = heap.get(pi.key);
      if (q !== undefined) {
        q.pi = pi;
        heap.push(q);
        return;
      }
    }
    const u = this.unschedulable.get(pi.key);
    if (u !== undefined) {
      const changed = podChangeMatters(u.q.pi.pod, pi.pod);
      u.q.pi = pi;
      if (!changed) return;
      this.unschedulable.delete(pi.key);
      this.requeue(u.q);
      return;
    }
    this.add(pi);
  }

  delete(key: string): void {
    this.active.delete(key);
    this.backoff.delete(key);
    this.unschedulable.delete(key);
    this.inFlight.delete(key);
  }

  /** The next pod to schedule, or undefined; it stays in flight until done() or a failure is reported. */
  pop(): QueuedPod | undefined {
    const q = this.active.pop();
    if (q === undefined) return undefined;
    this.schedulingCycle++;
    q.attempts++;
    this.inFlight.set(q.key, q);
    return q;
  }

  /** The cycle number of the pod last popped; pass it back when reporting a failure. */
  get cycle(): number {
    return this.schedulingCycle;
  }

  /** The pod was scheduled (or dropped): it leaves the queue. */
  done(key: string): void {
    this.inFlight.delete(key);
  }

  /**
   * No node could take the pod. If a cluster event came while it was being
   * scheduled, that event may already have made room: back off and retry
   * instead of waiting for another event.
   */
  addUnschedulable(q: QueuedPod, podCycle: number, plugins: ReadonlySet<string>): void {
    if (!this.inFlight.delete(q.key)) return; // deleted meanwhile
    q.failedAt = this.clock.now();
    q.unschedulablePlugins = plugins;
    if (this.moveRequestCycle >= podCycle) this.backoff.push(q);
    else this.unschedulable.set(q.key, { q, since: this.clock.now() });
  }

  /** Scheduling or binding failed with an error: retry after the backoff. */
  addBackoff(q: QueuedPod): void {
    if (!this.inFlight.delete(q.key)) return;
    q.failedAt = this.clock.now();
    this.backoff.push(q);
  }

  backoffDuration(q: QueuedPod): number {
    const exponent = Math.max(0, q.attempts - 1);
    return Math.min(this.initialBackoffMs * 2 ** Math.min(exponent, 30), this.maxBackoffMs);
  }

  private backoffExpiry(q: QueuedPod): number {
    return q.failedAt + this.backoffDuration(q);
  }

  private requeue(q: QueuedPod): void {
    if (q.attempts > 0 && this.backoffExpiry(q) > this.clock.now()) {
      this.backoff.push(q);
    } else {
      q.enqueuedAt = this.clock.now();
      this.active.push(q);
    }
  }

  /** Moves pods whose backoff has expired to active; returns how many moved. */
  flushBackoffCompleted(): number {
    let moved = 0;
    const now = this.clock.now();
    for (let q = this.backoff.peek(); q !== undefined && this.backoffExpiry(q) <= now; q = this.backoff.peek()) {
      this.backoff.pop();
      q.enqueuedAt = now;
      this.active.push(q);
      moved++;
    }
    return moved;
  }

  /** When the earliest backoff ends, for a timer; undefined when nothing backs off. */
  nextBackoffExpiry(): number | undefined {
    const q = this.backoff.peek();
    return q === undefined ? undefined : this.backoffExpiry(q);
  }

  /** Pods unschedulable for longer than maxUnschedulableMs are tried again. */
  flushUnschedulableLeftover(): number {
    const now = this.clock.now();
    let moved = 0;
    for (const [key, u] of this.unschedulable) {
      if (now - u.since < this.maxUnschedulableMs) continue;
      this.unschedulable.delete(key);
      this.requeue(u.q);
      moved++;
    }
    return moved;
  }

  /** A cluster event: unschedulable pods it may help move to backoff or active. */
  onClusterEvent(event: ClusterEventKind): number {
    this.moveRequestCycle = this.schedulingCycle;
    let moved = 0;
    for (const [key, u] of this.unschedulable) {
      if (!this.mayHelp(u.q, event)) continue;
      this.unschedulable.delete(key);
      this.requeue(u.q);
      moved++;
    }
    return moved;
  }

  private mayHelp(q: QueuedPod, event: ClusterEventKind): boolean {
    if (q.unschedulablePlugins.size === 0) return true;
    for (const plugin of q.unschedulablePlugins) {
      const events = this.pluginEvents.get(plugin);
      if (events === undefined || events.includes(event)) return true;
    }
    return false;
  }
}
