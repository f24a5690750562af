// Kubernetes resource quantities ("100m", "1.5Gi", "1e3") for what the
// runtime needs: CPU in millicores and memory in bytes, rounded up as
// kubelet does when it writes cgroup limits.
const binary: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const decimal: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

export function parseQuantity(q: string | number): number {
  if (typeof q === "number") return q;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?)$/.exec(q.trim());
  if (m === null) throw new Error(`invalid quantity ${JSON.stringify(q)}`);
  const base = Number(m[1]);
  if (m[2] !== undefined) return base * 10 ** Number(m[2].slice(1));
  const suffix = m[3] ?? "";
  return base * (binary[suffix] ?? decimal[suffix] ?? 1);
}

export function cpuMillis(q: string | number): number {
  return Math.ceil(parseQuantity(q) * 1000 - 1e-9);
}

export function bytes(q: string | number): number {
  return Math.ceil(parseQuantity(q) - 1e-9);
}
