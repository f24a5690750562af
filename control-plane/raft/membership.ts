// Membership changes, one member at a time: which proposals the leader
// accepts, and how a committed change alters the configuration. A leader that
// removes itself hands leadership over at once.
import { ConfChangeType, type ConfChange } from "./conf-change.ts";
import type { RaftCore } from "./core.ts";
import { Progress } from "./progress.ts";
import { type ConfState, None, type NodeId, StateType } from "./types.ts";

/** Why a proposed conf change must be refused against the current configuration, if it must. */
export function confChangeRefusal(r: RaftCore, cc: ConfChange): string | undefined {
  if (cc.nodeId === None) return "node id 0";
  const pr = r.trk.progress.get(cc.nodeId);
  if (cc.type === ConfChangeType.RemoveNode && pr !== undefined && !pr.isLearner && r.trk.voters().length === 1) {
    return "removing the last voter";
  }
  return undefined;
}

/** Applies a committed conf change (the host calls this when it applies the entry). */
export function applyConfChange(r: RaftCore, cc: ConfChange): ConfState {
  const last = r.raftLog.lastIndex();
  const pr = r.trk.progress.get(cc.nodeId);
  switch (cc.type) {
    case ConfChangeType.AddNode:
      if (pr === undefined) addProgress(r, cc.nodeId, last, false);
      else pr.isLearner = false;
      break;
    case ConfChangeType.AddLearnerNode:
      if (pr === undefined) addProgress(r, cc.nodeId, last, true);
      else pr.isLearner = true;
      break;
    case ConfChangeType.RemoveNode:
      if (pr !== undefined && !pr.isLearner && r.trk.voters().length === 1) {
        r.logger.warn(`${r.id} ignored conf change removing the last voter ${cc.nodeId}`);
        break;
      }
      r.trk.progress.delete(cc.nodeId);
      break;
    case ConfChangeType.UpdateNode:
      break;
  }
  return afterConfChange(r);
}

function addProgress(r: RaftCore, id: NodeId, lastIndex: number, isLearner: boolean): void {
  const pr = new Progress(Math.max(lastIndex, 1), r.trk.maxInflight, isLearner);
  // Treat a new member as active so CheckQuorum does not count it against us right away.
  pr.recentActive = true;
  r.trk.progress.set(id, pr);
}

function afterConfChange(r: RaftCore): ConfState {
  const cs = r.trk.confState();
  const self = r.trk.progress.get(r.id);
  r.isLearner = self?.isLearner === true;
  if (r.state !== StateType.Leader) return cs;
  if (self === undefined || self.isLearner) {
    stepDownAfterRemoval(r);
    return cs;
  }
  if (cs.voters.length === 0) return cs;
  if (r.maybeCommit()) {
    r.bcastAppend();
  } else {
    // Probe new members right away rather than at the next heartbeat.
    r.trk.visit((id) => {
      if (id !== r.id) r.maybeSendAppend(id, false);
    });
  }
  if (r.leadTransferee !== None && !r.trk.voters().includes(r.leadTransferee)) r.abortLeaderTransfer();
  return cs;
}

/**
 * A leader that removed itself hands over at once: it tells the most
 * up-to-date voter to campaign now, then steps down, so the cluster does not
 * wait out an election timeout.
 */
function stepDownAfterRemoval(r: RaftCore): void {
  let best: NodeId = None;
  let bestMatch = -1;
  for (const id of r.trk.voters()) {
    const pr = r.trk.progress.get(id)!;
    if (pr.match > bestMatch) {
      best = id;
      bestMatch = pr.match;
    }
  }
  r.logger.info(`${r.id} was removed from the configuration while leader; stepping down`);
  if (best !== None) r.sendTimeoutNow(best);
  r.becomeFollower(r.term, None);
}
