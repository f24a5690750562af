import { checkKvHistory } from "./index.ts";
import { generateKvHistory } from "./random-kv-history.ts";
const [ops, keys, clients, unk, lat] = process.argv.slice(2).map(Number) as [number, number, number, number, number];
for (const seed of [1, 2, 3]) {
  const h = generateKvHistory({ seed, operations: ops, keys, clients, unknownRate: unk, maxLatency: lat });
  const t = performance.now();
  const r = checkKvHistory(h, { budgetMs: 15000 });
  console.log(seed, r.outcome, (performance.now() - t).toFixed(1), "ms");
}
