// Simulated clients. Each runs one operation at a time against a member of
// its choice (get, put, delete or compare-and-swap on a few keys), gives up
// after a timeout, and records every call and return for the linearizability
// checker. A timed-out write is recorded with an unknown outcome.
import type { KvOperation } from "@skiff/test/linearizability";
import type { EventQueue } from "./event-queue.ts";
import type { ClientReply, ClientRequest } from "./host.ts";
import type { KvWrite } from "./kv.ts";
import type { Prng } from "./prng.ts";

export interface ClientEnv {
  queue: EventQueue;
  prng: Prng;
  /** Members a client may talk to (ids). */
  members(): number[];
  /** Hands a request to a member after network delay; lost if the member is down. */
  deliver(member: number, req: ClientRequest): void;
  trace(line: string): void;
}

const keys = ["a", "b", "c"];
const timeoutMs = 400;

export class SimClient {
  private seq = 0;
  private stopped = false;
  private preferred: number | undefined = undefined;
  /** Finishes the operation in flight, if any, as timed out. */
  private abandon: (() => void) | undefined = undefined;
  readonly history: KvOperation[] = [];
  acknowledgedWrites = 0;

  constructor(
    readonly id: number,
    private readonly env: ClientEnv,
  ) {}

  start(): void {
    this.env.queue.schedule(this.env.prng.range(0, 20), () => this.issue());
  }

  stop(): void {
    this.stopped = true;
  }

  /** At the end of a run: a write still in flight may or may not have happened. */
  flush(): void {
    this.abandon?.();
    this.abandon = undefined;
  }

  private issue(): void {
    if (this.stopped) return;
    const { prng, queue } = this.env;
    const members = this.env.members();
    if (members.length === 0) return;
    const member = this.preferred !== undefined && members.includes(this.preferred) && prng.chance(0.8) ? this.preferred : prng.pick(members);
    const key = prng.pick(keys);
    const seq = ++this.seq;
    const value = `${this.id}.${seq}`;
    const roll = prng.next();
    let write: KvWrite | undefined;
    if (roll < 0.35) write = { op: "put", key, value };
    else if (roll < 0.45) write = { op: "delete", key };
    else if (roll < 0.65) write = { op: "cas", key, expected: prng.chance(0.3) ? null : `${prng.int(4)}.${prng.int(8)}`, value };
    const input: KvOperation["input"] =
      write === undefined
        ? { op: "get" }
        : write.op === "cas"
          ? { op: "cas", expected: write.expected, value: write.value }
          : write.op === "put"
            ? { op: "put", value: write.value }
            : { op: "delete" };
    const call = queue.now;
    let done = false;
    const finish = (output: KvOperation["output"], record: boolean): void => {
      if (done) return;
      done = true;
      this.abandon = undefined;
      if (record) this.history.push({ clientId: this.id, key, input, output, call, return: output === undefined ? Infinity : queue.now });
      this.env.trace(`client ${this.id} ${describeOp(key, input)} via ${member} -> ${output === undefined ? (record ? "timeout" : "dropped") : JSON.stringify(output)}`);
      queue.schedule(prng.range(0, 30), () => this.issue());
    };
    const reply = (r: ClientReply): void => {
      // The reply crosses the network too.
      queue.schedule(prng.range(0.5, 3), () => {
        if (r.kind === "dropped") {
          // Never appended: it had no effect, so it is left out of the history.
          this.preferred = undefined;
          finish(undefined, false);
        } else if (r.kind === "write") {
          this.preferred = member;
          this.acknowledgedWrites++;
          finish({ ok: r.result.ok }, true);
        } else {
          this.preferred = member;
          finish({ value: r.value }, true);
        }
      });
    };
    const req: ClientRequest = { client: this.id, seq, reply };
    if (write !== undefined) req.write = write;
    else req.readKey = key;
    this.env.deliver(member, req);
    const timeout = (): void => {
      if (done) return;
      this.preferred = undefined;
      // A read that never returned constrains nothing; a write may have happened.
      finish(undefined, write !== undefined);
    };
    this.abandon = timeout;
    queue.schedule(timeoutMs, timeout);
  }
}

function describeOp(key: string, input: KvOperation["input"]): string {
  switch (input.op) {
    case "get":
      return `get(${key})`;
    case "put":
      return `put(${key}=${input.value})`;
    case "delete":
      return `delete(${key})`;
    case "cas":
      return `cas(${key}: ${input.expected ?? "absent"} -> ${input.value})`;
  }
}
