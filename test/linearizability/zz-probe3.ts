import { checkKvHistory } from "./index.ts";
import { generateKvHistory, seededRandom } from "./random-kv-history.ts";
const [ops, keys, clients, unk] = process.argv.slice(2).map(Number) as [number, number, number, number];
for (const seed of [1, 2, 3, 4, 5]) {
  const h = generateKvHistory({ seed, operations: ops, keys, clients, unknownRate: unk });
  const reads = h.filter((o) => o.input.op === "get" && o.output !== undefined);
  const v = reads[seededRandom(seed).int(reads.length)]!;
  v.output = { value: "never-written" };
  const t = performance.now();
  const r = checkKvHistory(h, { budgetMs: 15000 });
  console.log(seed, r.outcome, h.indexOf(v), r.outcome === "illegal" ? r.involved.includes(h.indexOf(v)) + " prefix " + r.longestPrefix.length : "", (performance.now() - t).toFixed(1), "ms");
}
