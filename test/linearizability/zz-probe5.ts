import { kvModel } from "./kv-model.ts";
import type { KvOperation } from "./kv-model.ts";
import { checkPartition } from "./zz-check.ts";
import { stats } from "./zz-search.ts";
import { generateKvHistory } from "./random-kv-history.ts";
const [keys, clients, unk] = process.argv.slice(2).map(Number) as [number, number, number];
for (const n of [200, 400, 800]) {
  for (const seed of [1, 2]) {
    const h = generateKvHistory({ seed, operations: n, keys, clients, unknownRate: unk });
    const reads = h.filter((o) => o.input.op === "get" && o.output !== undefined && o.key === "k0");
    const v = reads[Math.floor(reads.length * 0.9)]!;
    v.output = { value: "never-written" };
    const ops = kvModel.partition!(h)[0]!.operations as KvOperation[];
    const out: string[] = [];
    for (const order of ["deferred"] as const) {
      const t = performance.now();
      const r = checkPartition(kvModel, ops, () => performance.now(), performance.now() + 5000, [order]);
      out.push(JSON.stringify(stats)); for (const k in stats) (stats as Record<string, number>)[k] = 0; out.push(`${order} ${r.kind} ${(performance.now() - t).toFixed(0)}ms`);
    }
    console.log(n, seed, ops.length, ops.filter((o) => o.output === undefined).length, out.join("  "));
  }
}
