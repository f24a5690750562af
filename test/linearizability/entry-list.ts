// Porcupine's doubly linked lists of call and return events: linearizing an
// operation lifts its events out in O(1), and backtracking puts them back.

export interface Entry {
  /** Index of the operation within its partition; -1 for a head sentinel. */
  op: number;
  /** Index of the operation among those of its kind (known or unknown outcome), for the bitsets. */
  slot: number;
  isCall: boolean;
  time: number;
  /** For a call with a known outcome, its return event; otherwise null. */
  match: Entry | null;
  prev: Entry | null;
  next: Entry | null;
}

export interface Interval {
  call: number;
  return: number;
  /** Whether the outcome is known; only those operations get a return event and must be linearized. */
  known: boolean;
}

export interface EntryLists {
  /** Head sentinel of the calls and returns of operations with known outcomes (and unknown ones, unless kept apart). */
  known: Entry;
  knownCount: number;
  /** Head sentinel of the calls of operations with unknown outcomes, when kept apart. */
  unknown: Entry;
  unknownCount: number;
}

/**
 * Builds the event lists. Calls of operations with unknown outcomes have no
 * return event; `separateUnknown` puts them in a list of their own so that a
 * search can try them last, otherwise they sit among the others by call time.
 */
export function buildEntryLists(intervals: readonly Interval[], separateUnknown: boolean): EntryLists {
  const known: Entry[] = [];
  const unknown: Entry[] = [];
  let knownCount = 0;
  let unknownCount = 0;
  intervals.forEach((interval, op) => {
    const slot = interval.known ? knownCount++ : unknownCount++;
    const call: Entry = { op, slot, isCall: true, time: interval.call, match: null, prev: null, next: null };
    if (interval.known) {
      const ret: Entry = { op, slot, isCall: false, time: interval.return, match: null, prev: null, next: null };
      call.match = ret;
      known.push(call, ret);
    } else {
      (separateUnknown ? unknown : known).push(call);
    }
  });
  return { known: link(known), knownCount, unknown: link(unknown), unknownCount };
}

/**
 * Sorts events into a list behind a head sentinel. Intervals are closed: at
 * equal times calls come first, so an operation called exactly when another
 * returns counts as concurrent with it. That admits more orders than strict
 * happens-before, so clock granularity never makes a linearizable history fail.
 */
function link(events: Entry[]): Entry {
  events.sort((a, b) => a.time - b.time || (a.isCall === b.isCall ? a.op - b.op : a.isCall ? -1 : 1));
  const head: Entry = { op: -1, slot: -1, isCall: false, time: -Infinity, match: null, prev: null, next: null };
  let last = head;
  for (const event of events) {
    event.prev = last;
    last.next = event;
    last = event;
  }
  return head;
}

/** Removes a call and its return event from their list. */
export function lift(call: Entry): void {
  unlink(call);
  if (call.match !== null) unlink(call.match);
}

/** Undoes the matching `lift`; lifts must be undone in reverse order. */
export function unlift(call: Entry): void {
  if (call.match !== null) relink(call.match);
  relink(call);
}

function unlink(entry: Entry): void {
  // The head sentinel guarantees every event has a predecessor.
  (entry.prev as Entry).next = entry.next;
  if (entry.next !== null) entry.next.prev = entry.prev;
}

function relink(entry: Entry): void {
  (entry.prev as Entry).next = entry;
  if (entry.next !== null) entry.next.prev = entry;
}
