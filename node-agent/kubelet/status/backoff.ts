// Crash-loop back-off as kubelet's flowcontrol.Backoff with its defaults:
// the first restart is immediate, then the delay starts at 10 s and doubles
// up to 5 min; a container that has not crashed for twice the maximum starts
// over. Keys are `<pod uid>/<container>`; time is given, never read.
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

export const kubeletBackoff: BackoffPolicy = { initialMs: 10_000, maxMs: 300_000 };

interface Entry {
  delayMs: number;
  lastUpdate: number;
}

export class RestartBackoff {
  private readonly entries = new Map<string, Entry>();

  constructor(readonly policy: BackoffPolicy = kubeletBackoff) {}

  // Whether a restart of a container that finished at `finishedAt` must
  // still wait at `now`, and until when.
  waitUntil(key: string, finishedAt: number, now: number): number | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    const until = finishedAt + entry.delayMs;
    return now < until ? until : undefined;
  }

  // Records a restart of a container that finished at `finishedAt`.
  next(key: string, finishedAt: number): number {
    const entry = this.entries.get(key);
    if (entry === undefined || finishedAt - entry.lastUpdate > 2 * this.policy.maxMs) {
      this.entries.set(key, { delayMs: this.policy.initialMs, lastUpdate: finishedAt });
      return this.policy.initialMs;
    }
    entry.delayMs = Math.min(entry.delayMs * 2, this.policy.maxMs);
    entry.lastUpdate = finishedAt;
    return entry.delayMs;
  }

  delayMs(key: string): number | undefined {
    return this.entries.get(key)?.delayMs;
  }

  forget(prefix: string): void {
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
  }
}
