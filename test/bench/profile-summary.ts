// Prints the functions with the most self time in a V8 .cpuprofile:
// `node --import tsx test/bench/profile-summary.ts FILE [N]`.
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

export function summarise(path: string, top = 25): string {
  const profile = JSON.parse(readFileSync(path, "utf8")) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const self = new Map<string, number>();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  let total = 0;
  profile.samples.forEach((id, i) => {
    const n = byId.get(id)!;
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    const f = n.callFrame;
    const where = f.url === "" ? "" : ` ${f.url.replace(/^.*\/(node_modules|wt-[^/]+)\//, "$1/")}:${f.lineNumber + 1}`;
    const key = `${f.functionName || "(anonymous)"}${where}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  return [`${path}: ${(total / 1e6).toFixed(1)} s sampled`, ...rows.map(([k, us]) => `${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`)].join("\n") + "\n";
}

if (process.argv[1]?.endsWith("profile-summary.ts")) process.stdout.write(summarise(process.argv[2]!, Number(process.argv[3] ?? 25)));
