// Lease ids for grants that leave the id to the server (id 0). The leader picks
// one before proposing, so every member applies the same id. Like etcd's
// idutil.Generator (member id prefix, clock-seeded counter) but kept below
// 2^53 so ids stay exact as JavaScript numbers: a 13-bit prefix from the
// member id and a 40-bit counter that starts at the clock's milliseconds, so a
// restarted member does not reissue ids it handed out before.

const COUNTER_SPAN = 2 ** 40;
const PREFIXES = 8191;

export class LeaseIdGenerator {
  private readonly prefix: number;
  private counter: number;

  constructor(memberId: number, nowMs: number) {
    this.prefix = (Math.abs(memberId) % PREFIXES) * COUNTER_SPAN;
    this.counter = Math.abs(Math.floor(nowMs)) % COUNTER_SPAN;
  }

  /** The next id not rejected by `taken`; never 0. */
  next(taken: (id: number) => boolean): number {
    for (;;) {
      this.counter = (this.counter + 1) % COUNTER_SPAN;
      const id = this.prefix + this.counter;
      if (id !== 0 && !taken(id)) return id;
    }
  }
}
