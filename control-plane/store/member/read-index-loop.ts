// Linearizable reads, batched as etcd batches them: every read that arrives
// while a ReadIndex round is in flight waits for the next round, and one
// round serves them all once the member has applied up to the read index.
import { randomBytes } from "node:crypto";

export interface ReadIndexHost {
  /** Asks Raft for a read index; the answer comes back through onReadState. */
  requestReadIndex(ctx: Uint8Array): void;
  appliedIndex(): number;
}

interface Round {
  ctx: string;
  readers: { resolve(): void; reject(e: Error): void }[];
  index?: number;
  timer: NodeJS.Timeout;
  retry?: NodeJS.Timeout;
}

export class ReadIndexLoop {
  private waiting: Round["readers"] = [];
  private inFlight: Round | undefined = undefined;
  private applied: Round[] = [];
  private seq = 0;
  /**
   * Differs between lives of the member, so the answer to a round that a
   * killed predecessor asked for cannot pass for one of ours: its index may
   * predate writes acknowledged since.
   */
  private readonly nonce = randomBytes(6).toString("hex");

  constructor(
    private readonly host: ReadIndexHost,
    private readonly timeoutMs: number,
    private readonly timeoutError: () => Error,
    /**
     * Raft drops a ReadIndex request when no leader is known, and the request
     * or its answer can be lost: ask again this often until answered (as etcd 3.5 does).
     */
    private readonly retryMs = 500,
  ) {}

  /** Resolves once this member may serve a linearizable read from its state. */
  read(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.startRound();
    });
  }

  private startRound(): void {
    if (this.inFlight !== undefined || this.waiting.length === 0) return;
    const ctx = `ri-${this.nonce}-${++this.seq}`;
    const round: Round = {
      ctx,
      readers: this.waiting,
      timer: setTimeout(() => this.expire(round), this.timeoutMs),
    };
    round.timer.unref();
    this.waiting = [];
    this.inFlight = round;
    const ask = (): void => this.host.requestReadIndex(new TextEncoder().encode(ctx));
    // Any answer to this context was computed after the round began, so a late answer to an earlier ask is as good.
    round.retry = setInterval(ask, this.retryMs);
    round.retry.unref();
    ask();
  }

  private expire(round: Round): void {
    clearInterval(round.retry);
    if (this.inFlight === round) this.inFlight = undefined;
    this.applied = this.applied.filter((r) => r !== round);
    for (const r of round.readers) r.reject(this.timeoutError());
    this.startRound();
  }

  /** A ReadState arrived from Raft. */
  onReadState(ctx: Uint8Array, index: number): void {
    const round = this.inFlight;
    if (round === undefined || new TextDecoder().decode(ctx) !== round.ctx) return;
    clearInterval(round.retry);
    this.inFlight = undefined;
    round.index = index;
    this.applied.push(round);
    this.onApplied();
    this.startRound();
  }

  /** The member applied more entries: release rounds whose index is reached. */
  onApplied(): void {
    if (this.applied.length === 0) return;
    const applied = this.host.appliedIndex();
    const ready = this.applied.filter((r) => (r.index ?? Infinity) <= applied);
    if (ready.length === 0) return;
    this.applied = this.applied.filter((r) => !ready.includes(r));
    for (const round of ready) {
      clearTimeout(round.timer);
      for (const r of round.readers) r.resolve();
    }
  }

  failAll(err: Error): void {
    const rounds = [...this.applied, ...(this.inFlight === undefined ? [] : [this.inFlight])];
    this.applied = [];
    this.inFlight = undefined;
    for (const round of rounds) {
      clearTimeout(round.timer);
      clearInterval(round.retry);
      for (const r of round.readers) r.reject(err);
    }
    for (const r of this.waiting) r.reject(err);
    this.waiting = [];
  }
}
