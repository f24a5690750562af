// The safety properties of Raft, checked as the simulation runs:
// - election safety: at most one leader per term;
// - log matching: an (index, term) pair names one entry, with one predecessor;
// - leader completeness: a new leader holds every committed entry;
// - state machine safety: no two members apply different entries at an index;
// - committed entries are never lost or changed.
import type { Entry, NodeId, RaftLog } from "@skiff/control-plane/raft";

const decoder = new TextDecoder();

function entryKey(e: Entry): string {
  return `${e.type}:${decoder.decode(e.data)}`;
}

export class SafetyMonitor {
  readonly violations: string[] = [];
  private leaders = new Map<number, NodeId>();
  private identities = new Map<string, string>();
  /** Committed entries by index: "term|type:data". */
  private committed = new Map<number, string>();
  private maxCommitted = 0;
  private applied = new Map<number, string>();

  constructor(private readonly now: () => number) {}

  private violate(what: string): void {
    if (this.violations.length < 20) this.violations.push(`t=${this.now().toFixed(1)}ms ${what}`);
  }

  highestCommitted(): number {
    return this.maxCommitted;
  }

  onLeader(id: NodeId, term: number, log: RaftLog): void {
    const prev = this.leaders.get(term);
    if (prev !== undefined && prev !== id) {
      this.violate(`election safety: ${prev} and ${id} are both leader in term ${term}`);
      return;
    }
    if (prev === id) return;
    this.leaders.set(term, id);
    this.checkLeaderCompleteness(id, term, log);
  }

  private checkLeaderCompleteness(id: NodeId, term: number, log: RaftLog): void {
    const first = log.firstIndex();
    if (this.maxCommitted > log.lastIndex()) {
      this.violate(`leader completeness: leader ${id} of term ${term} ends at ${log.lastIndex()} but ${this.maxCommitted} is committed`);
      return;
    }
    for (const [index, key] of this.committed) {
      if (index < first) continue;
      const ents = log.slice(index, index + 1, Number.MAX_SAFE_INTEGER);
      const e = ents[0]!;
      if (`${e.term}|${entryKey(e)}` !== key) {
        this.violate(`leader completeness: leader ${id} of term ${term} has ${e.term}/${index} but ${key} was committed there`);
        return;
      }
    }
  }

  /** Entries a member is about to persist; `prevTerm` is its term at the index before them. */
  onAppend(id: NodeId, entries: Entry[], prevTerm: number): void {
    let prev = prevTerm;
    for (const e of entries) {
      const k = `${e.index}/${e.term}`;
      const v = `${prev}|${entryKey(e)}`;
      const seen = this.identities.get(k);
      if (seen === undefined) this.identities.set(k, v);
      else if (seen !== v) this.violate(`log matching: member ${id} has entry ${k} as ${v} but another member has ${seen}`);
      prev = e.term;
    }
  }

  /** A member's commit index moved from `from` to `to`: record what it committed. */
  onCommit(id: NodeId, log: RaftLog, from: number, to: number): void {
    const lo = Math.max(from + 1, log.firstIndex());
    if (lo <= to) {
      for (const e of log.slice(lo, to + 1, Number.MAX_SAFE_INTEGER)) this.recordCommitted(id, e.index, `${e.term}|${entryKey(e)}`);
    }
    if (to > this.maxCommitted) this.maxCommitted = to;
  }

  private recordCommitted(id: NodeId, index: number, key: string): void {
    const seen = this.committed.get(index);
    if (seen === undefined) this.committed.set(index, key);
    else if (seen !== key) this.violate(`committed entry changed: member ${id} committed ${key} at ${index}, earlier ${seen}`);
  }

  onApply(id: NodeId, e: Entry): void {
    const k = entryKey(e);
    const seen = this.applied.get(e.index);
    if (seen === undefined) this.applied.set(e.index, k);
    else if (seen !== k) this.violate(`state machine safety: member ${id} applied ${k} at ${e.index}, another member applied ${seen}`);
  }

  /**
   * At the end: no committed entry is lost or replaced. Every member's log
   * agrees with what was committed as far as it reaches (a lagging follower
   * may simply not have caught up yet), and the leader holds all of it.
   */
  checkNothingLost(id: NodeId, log: RaftLog, isLeader: boolean): void {
    const first = log.firstIndex();
    const last = log.lastIndex();
    if (isLeader && this.maxCommitted > last) {
      this.violate(`committed entry lost: leader ${id} ends at ${last} but ${this.maxCommitted} was committed`);
      return;
    }
    for (const [index, key] of this.committed) {
      if (index < first || index > last) continue;
      const e = log.slice(index, index + 1, Number.MAX_SAFE_INTEGER)[0]!;
      if (`${e.term}|${entryKey(e)}` !== key) {
        this.violate(`committed entry lost: member ${id} has ${e.term}/${index}, committed was ${key}`);
        return;
      }
    }
  }
}
