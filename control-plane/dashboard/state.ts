// The dashboard's model of the cluster: the views of every watched object,
// the store members and the cluster's machines, and the timeline. Each change
// returns the diffs a browser needs to stay in step; a browser that connects
// gets the snapshot, then the diffs. Pure and synchronous: the watches, the
// member poller and the Docker lister feed it.
import { Timeline, type TimelineEntry } from "./timeline.ts";
import type { EndpointsView, EventView, MachineView, MemberView, NodeView, PodView, ServiceView } from "./views.ts";

export interface Collections {
  nodes: NodeView;
  pods: PodView;
  services: ServiceView;
  endpoints: EndpointsView;
  events: EventView;
  members: MemberView;
  machines: MachineView;
}

export type Collection = keyof Collections;
export const collections: Collection[] = ["nodes", "pods", "services", "endpoints", "events", "members", "machines"];

export type Diff =
  | { [C in Collection]: { op: "put"; collection: C; key: string; value: Collections[C] } }[Collection]
  | { op: "delete"; collection: Collection; key: string }
  | { op: "timeline"; entry: TimelineEntry };

export type Snapshot = { [C in Collection]: Collections[C][] } & { timeline: TimelineEntry[] };

export type Clock = () => number;

export class DashboardState {
  private readonly maps: { [C in Collection]: Map<string, Collections[C]> } = {
    nodes: new Map(),
    pods: new Map(),
    services: new Map(),
    endpoints: new Map(),
    events: new Map(),
    members: new Map(),
    machines: new Map(),
  };
  private readonly timeline: Timeline;

  constructor(
    private readonly clock: Clock = Date.now,
    /** The event feed keeps the newest this many. */
    private readonly eventCapacity = 100,
    timelineCapacity = 500,
  ) {
    this.timeline = new Timeline(timelineCapacity);
  }

  get<C extends Collection>(collection: C, key: string): Collections[C] | undefined {
    return this.maps[collection].get(key);
  }

  snapshot(): Snapshot {
    const list = <C extends Collection>(c: C): Collections[C][] => [...this.maps[c].values()];
    return {
      nodes: list("nodes"),
      pods: list("pods"),
      services: list("services"),
      endpoints: list("endpoints"),
      events: list("events"),
      members: list("members"),
      machines: list("machines"),
      timeline: this.timeline.all(),
    };
  }

  /** Adds or replaces a view; no diff when nothing the page shows changed. */
  put<C extends Collection>(collection: C, key: string, value: Collections[C]): Diff[] {
    const map = this.maps[collection];
    const old = map.get(key);
    if (old !== undefined && JSON.stringify(old) === JSON.stringify(value)) return [];
    map.set(key, value);
    const diffs: Diff[] = [{ op: "put", collection, key, value } as Diff];
    diffs.push(...this.transitions(collection, old, value));
    if (collection === "events") diffs.push(...this.trimEvents());
    return diffs;
  }

  delete(collection: Collection, key: string): Diff[] {
    const map = this.maps[collection];
    const old = map.get(key);
    if (old === undefined) return [];
    map.delete(key);
    return [{ op: "delete", collection, key }, ...this.transitions(collection, old, undefined)];
  }

  /** Replaces a whole collection (a fresh list): puts for what changed, deletes for what is gone. */
  replace<C extends Collection>(collection: C, values: Map<string, Collections[C]>): Diff[] {
    const diffs: Diff[] = [];
    for (const key of [...this.maps[collection].keys()]) if (!values.has(key)) diffs.push(...this.delete(collection, key));
    for (const [key, value] of values) diffs.push(...this.put(collection, key, value));
    return diffs;
  }

  /** Records a kill or start made from the page. */
  mark(kind: "Killed" | "Started", machine: string): Diff[] {
    return this.timeline.mark(this.clock(), kind, machine).map((entry) => ({ op: "timeline", entry }));
  }

  private transitions(collection: Collection, old: unknown, now: unknown): Diff[] {
    let entries: TimelineEntry[] = [];
    if (collection === "nodes") entries = this.timeline.node(this.clock(), old as NodeView | undefined, now as NodeView | undefined);
    else if (collection === "pods") entries = this.timeline.pod(this.clock(), old as PodView | undefined, now as PodView | undefined);
    return entries.map((entry) => ({ op: "timeline", entry }));
  }

  private trimEvents(): Diff[] {
    const events = this.maps.events;
    if (events.size <= this.eventCapacity) return [];
    const oldest = [...events.values()].sort((a, b) => a.time.localeCompare(b.time)).slice(0, events.size - this.eventCapacity);
    const diffs: Diff[] = [];
    for (const e of oldest) {
      events.delete(e.key);
      diffs.push({ op: "delete", collection: "events", key: e.key });
    }
    return diffs;
  }
}
