// Reads a V8 CPU profile (node --cpu-prof) and lists the functions with the
// most self time, so a benchmark can say where a server spent its CPU.

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

export interface CpuProfile {
  nodes: ProfileNode[];
}

export interface ProfileLine {
  name: string;
  percent: number;
}

function shortUrl(url: string): string {
  const at = url.search(/\/(control-plane|proto|deploy|node_modules)\//);
  return at >= 0 ? url.slice(at + 1) : url.replace(/^file:\/\//, "");
}

/** The `top` functions by self time; idle and garbage collection show under their V8 names. */
export function summarizeProfile(profile: CpuProfile, top: number): ProfileLine[] {
  const self = new Map<string, number>();
  let total = 0;
  for (const n of profile.nodes) {
    const hits = n.hitCount ?? 0;
    if (hits === 0) continue;
    const f = n.callFrame;
    const where = f.url === "" ? "" : ` ${shortUrl(f.url)}:${f.lineNumber + 1}`;
    const name = `${f.functionName === "" ? "(anonymous)" : f.functionName}${where}`;
    self.set(name, (self.get(name) ?? 0) + hits);
    total += hits;
  }
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, hits]) => ({ name, percent: (100 * hits) / Math.max(1, total) }));
}
