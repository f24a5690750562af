// Random KV histories that are linearizable by construction: each operation
// takes effect at a point inside its interval, in one sequential execution.
// Seeded, so a failing seed reproduces exactly; used by tests and benchmarks.

import type { KvInput, KvOperation, KvOutput, KvState } from "./kv-model.ts";

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

/** mulberry32: tiny, fast, and good enough to spread test cases. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n) => Math.floor(next() * n) };
}

export interface KvHistoryShape {
  seed: number;
  operations: number;
  keys: number;
  clients: number;
  /** Probability that an operation's outcome is lost (recorded as unknown). */
  unknownRate: number;
  /** Upper bound on both call-to-effect and effect-to-return delays. */
  maxLatency?: number;
}

interface Plan {
  clientId: number;
  key: string;
  op: KvInput["op"];
  call: number;
  effect: number;
  return: number;
  unknown: boolean;
  /** For an unknown outcome: whether the store applied it anyway. */
  applied: boolean;
}

export function generateKvHistory(shape: KvHistoryShape): KvOperation[] {
  const random = seededRandom(shape.seed);
  const plans = planIntervals(shape, random);
  const store = new Map<string, KvState>();
  const written: string[] = [];
  const history = plans.map((): KvOperation | undefined => undefined);
  // Apply in effect order; the stable sort keeps equal effect times in plan order.
  const order = plans.map((_, i) => i).sort((a, b) => (plans[a] as Plan).effect - (plans[b] as Plan).effect);
  for (const i of order) {
    const plan = plans[i] as Plan;
    const current = store.get(plan.key) ?? null;
    const { input, output, after } = execute(plan.op, current, random, written);
    if (!plan.unknown || plan.applied) store.set(plan.key, after);
    history[i] = {
      clientId: plan.clientId,
      key: plan.key,
      input,
      output: plan.unknown ? undefined : output,
      call: plan.call,
      return: plan.unknown ? Infinity : plan.return,
    };
  }
  return history.filter((op): op is KvOperation => op !== undefined);
}

function planIntervals(shape: KvHistoryShape, random: Random): Plan[] {
  const latency = shape.maxLatency ?? 10;
  const clients = Array.from({ length: shape.clients }, (_, id) => ({ id, free: random.int(3) }));
  let nextClientId = shape.clients;
  const plans: Plan[] = [];
  for (let n = 0; n < shape.operations; n++) {
    // The least busy client issues the next request, so all of them stay concurrent.
    const client = clients.reduce((a, b) => (b.free < a.free ? b : a));
    const call = client.free + random.int(3);
    const effect = call + random.int(latency + 1);
    const ret = effect + random.int(latency + 1);
    const unknown = random.next() < shape.unknownRate;
    const r = random.next();
    const op = r < 0.4 ? "get" : r < 0.65 ? "put" : r < 0.9 ? "cas" : "delete";
    const key = `k${random.int(shape.keys)}`;
    plans.push({ clientId: client.id, key, op, call, effect, return: ret, unknown, applied: random.next() < 0.5 });
    client.free = ret;
    // Like Jepsen, a client whose request hung is replaced by a fresh one.
    if (unknown) client.id = nextClientId++;
  }
  return plans;
}

function execute(
  op: KvInput["op"],
  current: KvState,
  random: Random,
  written: string[],
): { input: KvInput; output: KvOutput; after: KvState } {
  switch (op) {
    case "get":
      return { input: { op }, output: { value: current }, after: current };
    case "delete":
      return { input: { op }, output: { ok: true }, after: null };
    case "put": {
      const value = `v${written.push(`v${written.length}`) - 1}`;
      return { input: { op, value }, output: { ok: true }, after: value };
    }
    case "cas": {
      const value = `v${written.push(`v${written.length}`) - 1}`;
      const r = random.next();
      // Mostly the current value so that many cas operations succeed.
      const expected = r < 0.6 ? current : r < 0.8 ? null : (written[random.int(written.length)] ?? null);
      const holds = expected === current;
      return { input: { op, expected, value }, output: { ok: holds }, after: holds ? value : current };
    }
  }
}
