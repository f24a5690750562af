// The interaction environment behind the golden tests: a handful of RawNodes
// with in-memory storage, a list of messages in flight, and the host duties
// (persist, send, apply, advance) done one visible step at a time.
import type { RaftLogger } from "../config.ts";
import { isRaftError } from "../errors.ts";
import { decodeConfChange, ConfChangeType } from "../conf-change.ts";
import { describeMessage, describeReady } from "../describe.ts";
import type { ReadOnlyOption } from "../read-only.ts";
import { RawNode } from "../raw-node.ts";
import type { MemoryStorage } from "../storage.ts";
import { type ConfState, EntryType, type Message, type NodeId } from "../types.ts";

/** As in etcd's interaction tests: "none" silences all output, "warn" hides INFO and DEBUG lines. */
export type LogLevel = "none" | "warn" | "info" | "debug";

export interface NodeOptions {
  preVote: boolean;
  checkQuorum: boolean;
  readOnly: ReadOnlyOption;
  maxInflight: number;
  maxSizePerMsg: number;
}

export interface EnvNode {
  id: NodeId;
  raw: RawNode;
  storage: MemoryStorage;
  options: NodeOptions;
  /** Data of applied normal entries, by index: the "state machine". */
  applied: Map<number, string>;
  crashed: boolean;
}

const decoder = new TextDecoder();

export class InteractionEnv {
  readonly nodes = new Map<NodeId, EnvNode>();
  messages: Message[] = [];
  /** Each member's side of the partition; members on different sides cannot talk. */
  private side = new Map<NodeId, number>();
  private out: string[] = [];
  level: LogLevel = "info";

  readonly logger = (_id: NodeId): RaftLogger => ({
    debug: (msg) => {
      if (this.level === "debug") this.write(`DEBUG ${msg}`);
    },
    info: (msg) => {
      if (this.level === "info" || this.level === "debug") this.write(`INFO ${msg}`);
    },
    warn: (msg) => {
      if (this.level !== "none") this.write(`WARN ${msg}`);
    },
  });

  write(line: string): void {
    if (this.level === "none") return;
    this.out.push(line);
  }

  /** Returns and clears what was written since the last call. */
  take(): string {
    const s = this.out.join("\n");
    this.out = [];
    return s;
  }

  node(id: NodeId): EnvNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`unknown node ${id}`);
    if (n.crashed) throw new Error(`node ${id} is crashed`);
    return n;
  }

  ids(): NodeId[] {
    return [...this.nodes.keys()].sort((a, b) => a - b);
  }

  liveIds(): NodeId[] {
    return this.ids().filter((id) => !this.nodes.get(id)!.crashed);
  }

  addNode(id: NodeId, storage: MemoryStorage, options: NodeOptions, applied: number): void {
    const raw = this.newRawNode(id, storage, options, applied);
    this.nodes.set(id, { id, raw, storage, options, applied: new Map(), crashed: false });
  }

  newRawNode(id: NodeId, storage: MemoryStorage, o: NodeOptions, applied: number): RawNode {
    return new RawNode({
      id,
      storage,
      applied,
      electionTick: 3,
      heartbeatTick: 1,
      preVote: o.preVote,
      checkQuorum: o.checkQuorum,
      readOnlyOption: o.readOnly,
      maxInflightMsgs: o.maxInflight,
      maxSizePerMsg: o.maxSizePerMsg,
      // Randomized election timeouts are pinned to the minimum; tests set them explicitly.
      random: () => 0,
      logger: this.logger(id),
    });
  }

  /** Takes one Ready from a node and does the host's work for it, printing it all. */
  processReady(id: NodeId): void {
    const n = this.node(id);
    if (!n.raw.hasReady()) return;
    const rd = n.raw.ready();
    this.write(`> ${id} handling Ready`);
    this.write(indent(describeReady(rd)));
    // Persist first: snapshot, then entries, then the hard state.
    if (rd.snapshot !== undefined) {
      n.storage.applySnapshot(rd.snapshot);
      n.applied.clear();
    }
    n.storage.append(rd.entries);
    if (rd.hardState !== undefined) n.storage.setHardState(rd.hardState);
    for (const m of rd.messages) this.send(m);
    // What the node logs while a conf change is applied belongs to this Ready.
    const before = this.out.length;
    for (const e of rd.committedEntries) {
      if (e.type === EntryType.ConfChange) {
        const cs: ConfState = n.raw.applyConfChange(decodeConfChange(e.data));
        const learners = cs.learners.length > 0 ? ` learners=(${cs.learners.join(" ")})` : "";
        this.write(`INFO ${id} switched to configuration voters=(${cs.voters.join(" ")})${learners}`);
        const cc = decodeConfChange(e.data);
        if (cc.type === ConfChangeType.RemoveNode && cc.nodeId === id) this.write(`INFO ${id} removed from the cluster`);
      } else if (e.data.byteLength > 0) {
        n.applied.set(e.index, decoder.decode(e.data));
      }
    }
    for (let i = before; i < this.out.length; i++) this.out[i] = indent(this.out[i]!);
    n.raw.advance();
  }

  private send(m: Message): void {
    const target = this.nodes.get(m.to);
    if (target === undefined) {
      this.write(`  dropped (unknown member): ${describeMessage(m)}`);
      return;
    }
    this.messages.push(m);
  }

  /** Delivers (or drops) the messages in flight to `id`, in the order they were sent. */
  deliver(id: NodeId, drop: boolean, types?: Set<string>): number {
    const selected: Message[] = [];
    const rest: Message[] = [];
    for (const m of this.messages) {
      const matches = m.to === id && (types === undefined || types.has(messageTypeName(m)));
      (matches ? selected : rest).push(m);
    }
    this.messages = rest;
    if (selected.length === 0) return 0;
    const n = this.nodes.get(id);
    for (const m of selected) {
      if (drop || n === undefined || n.crashed) {
        this.write(`dropped: ${describeMessage(m)}`);
        continue;
      }
      if (!this.connected(m.from, m.to)) {
        this.write(`dropped (partition): ${describeMessage(m)}`);
        continue;
      }
      this.write(describeMessage(m));
      try {
        n.raw.step(m);
      } catch (err) {
        // A host drops what its node refuses (e.g. a response from a removed member).
        if (!isRaftError(err)) throw err;
        this.write(`error: ${err.message}`);
      }
    }
    return selected.length;
  }

  connected(a: NodeId, b: NodeId): boolean {
    return (this.side.get(a) ?? 0) === (this.side.get(b) ?? 0);
  }

  partition(groups: NodeId[][]): void {
    this.side.clear();
    groups.forEach((g, i) => g.forEach((id) => this.side.set(id, i)));
  }

  heal(): void {
    this.side.clear();
  }

  /** Processes Readies and delivers messages until the live nodes are quiet. */
  stabilize(ids: NodeId[]): void {
    for (;;) {
      let done = true;
      for (const id of ids) {
        const n = this.nodes.get(id)!;
        if (!n.crashed && n.raw.hasReady()) {
          done = false;
          this.processReady(id);
        }
      }
      for (const id of ids) {
        if (this.messages.some((m) => m.to === id)) {
          done = false;
          this.write(`> ${id} receiving messages`);
          const before = this.out.length;
          this.deliver(id, false);
          for (let i = before; i < this.out.length; i++) this.out[i] = indent(this.out[i]!);
        }
      }
      if (done) return;
    }
  }

  crash(id: NodeId): void {
    const n = this.node(id);
    n.crashed = true;
    // Whatever a Ready handed out but the host did not persist is gone with the process.
    this.messages = this.messages.filter((m) => m.to !== id);
  }

  restart(id: NodeId): void {
    const n = this.nodes.get(id);
    if (n === undefined || !n.crashed) throw new Error(`node ${id} is not crashed`);
    // The state machine is rebuilt from the snapshot; later committed entries are re-applied.
    const applied = n.storage.snapshot().metadata.index;
    n.applied.clear();
    n.raw = this.newRawNode(id, n.storage, n.options, applied);
    n.crashed = false;
  }
}

function messageTypeName(m: Message): string {
  return describeMessage(m).split(" ")[1]!;
}

export function indent(s: string): string {
  return s
    .split("\n")
    .map((l) => `  ${l}`)
    .join("\n");
}
