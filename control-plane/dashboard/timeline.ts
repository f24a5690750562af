// The recovery timeline: transitions seen on the watch stream, stamped with
// the time the dashboard saw them, so that after a node kill the page can
// show when the node went NotReady, when its pods were evicted, where they
// were scheduled again and when they were Ready. Pure: views in, entries out.
import type { NodeView, PodView } from "./views.ts";

export type TimelineKind = "Killed" | "Started" | "NodeNotReady" | "NodeReady" | "PodCreated" | "PodScheduled" | "PodReady" | "PodEvicted" | "PodDeleted";

export interface TimelineEntry {
  /** Milliseconds since the epoch, when the dashboard saw the change. */
  at: number;
  kind: TimelineKind;
  /** The node, pod (namespace/name) or machine it is about. */
  subject: string;
  /** The node involved, when there is one. */
  node: string;
}

export class Timeline {
  private readonly entries: TimelineEntry[] = [];
  private readonly notReady = new Set<string>();

  constructor(private readonly capacity = 500) {}

  all(): TimelineEntry[] {
    return [...this.entries];
  }

  /** A kill or start made from the page (or anything else worth a mark). */
  mark(at: number, kind: "Killed" | "Started", subject: string): TimelineEntry[] {
    return this.push([{ at, kind, subject, node: subject }]);
  }

  node(at: number, old: NodeView | undefined, now: NodeView | undefined): TimelineEntry[] {
    const name = now?.name ?? old?.name ?? "";
    if (now === undefined) {
      this.notReady.delete(name);
      return [];
    }
    const wasReady = old?.ready === "True";
    const isReady = now.ready === "True";
    if (isReady) this.notReady.delete(name);
    else this.notReady.add(name);
    // A node that first appears NotReady is still registering: not a transition.
    if (old === undefined || wasReady === isReady) return [];
    return this.push([{ at, kind: isReady ? "NodeReady" : "NodeNotReady", subject: name, node: name }]);
  }

  pod(at: number, old: PodView | undefined, now: PodView | undefined): TimelineEntry[] {
    const out: TimelineEntry[] = [];
    const subject = now?.key ?? old?.key ?? "";
    if (old === undefined && now !== undefined) out.push({ at, kind: "PodCreated", subject, node: now.node });
    if (now !== undefined && now.node !== "" && (old === undefined || old.node === "")) out.push({ at, kind: "PodScheduled", subject, node: now.node });
    if (now !== undefined && now.ready && !(old?.ready ?? false)) out.push({ at, kind: "PodReady", subject, node: now.node });
    // A pod is gone once it is deleted or marked for deletion, whichever is seen first;
    // on a node that is not Ready that is an eviction.
    const gone = (now === undefined || now.deleting) && old !== undefined && !old.deleting;
    if (gone) out.push({ at, kind: this.notReady.has(old.node) ? "PodEvicted" : "PodDeleted", subject, node: old.node });
    return this.push(out);
  }

  private push(entries: TimelineEntry[]): TimelineEntry[] {
    this.entries.push(...entries);
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
    return entries;
  }
}
