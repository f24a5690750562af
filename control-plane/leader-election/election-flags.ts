// kube's leader election flags, shared by `skiff scheduler` and `skiff controller-manager`:
// --leader-elect, --leader-elect-lease-duration, --leader-elect-renew-deadline,
// --leader-elect-retry-period, --leader-elect-resource-namespace, --leader-elect-resource-name.
import { defaultElectionTimings, validateTimings } from "./leader-elector.ts";

export interface ElectionFlags {
  enabled: boolean;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  namespace: string;
  name: string;
}

/** Go's duration syntax as kube's flags take it: "4s", "500ms", "1m30s", "1.5s". */
export function parseDuration(text: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    total += Number(m[1]) * units[m[2]!]!;
    matched = re.lastIndex;
  }
  if (text === "" || matched !== text.length) throw new Error(`invalid duration "${text}" (examples: 4s, 500ms, 1m)`);
  return total;
}

function bool(value: string | true | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (value === true || value === "true") return true;
  if (value === "false") return false;
  throw new Error(`invalid boolean "${value}"`);
}

/** Reads the election flags out of parsed flags (name without dashes → value, true for a bare flag). */
export function electionFlags(flags: Map<string, string | true>, defaultName: string): ElectionFlags {
  const duration = (name: string, fallback: number): number => {
    const v = flags.get(name);
    if (v === undefined) return fallback;
    if (v === true) throw new Error(`--${name} needs a value`);
    return parseDuration(v);
  };
  const text = (name: string, fallback: string): string => {
    const v = flags.get(name);
    if (v === true) throw new Error(`--${name} needs a value`);
    return v ?? fallback;
  };
  const out: ElectionFlags = {
    enabled: bool(flags.get("leader-elect"), false),
    leaseDurationMs: duration("leader-elect-lease-duration", defaultElectionTimings.leaseDurationMs),
    renewDeadlineMs: duration("leader-elect-renew-deadline", defaultElectionTimings.renewDeadlineMs),
    retryPeriodMs: duration("leader-elect-retry-period", defaultElectionTimings.retryPeriodMs),
    namespace: text("leader-elect-resource-namespace", "kube-system"),
    name: text("leader-elect-resource-name", defaultName),
  };
  validateTimings(out);
  return out;
}

/** Parses `--name=value`, `--name value` and bare boolean `--name` (those listed in booleans). */
export function parseFlags(args: readonly string[], booleans: ReadonlySet<string>): Map<string, string | true> {
  const out = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith("--")) throw new Error(`unexpected argument "${arg}"`);
    const eq = arg.indexOf("=");
    if (eq >= 0) {
      out.set(arg.slice(2, eq), arg.slice(eq + 1));
    } else if (booleans.has(arg.slice(2))) {
      out.set(arg.slice(2), true);
    } else {
      const value = args[++i];
      if (value === undefined) throw new Error(`${arg} needs a value`);
      out.set(arg.slice(2), value);
    }
  }
  return out;
}
