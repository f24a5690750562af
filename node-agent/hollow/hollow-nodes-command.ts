// `skiff hollow-nodes --kubeconfig F --count N [--prefix hollow-] [--cpu 4] [--memory 32Gi]
// [--max-pods 110] [--heartbeat 1s] [--no-run-pods]`: N hollow nodes in this
// process until SIGTERM/SIGINT.
import { HollowNodes } from "./hollow-nodes.ts";

function parse(args: string[]): Map<string, string | true> {
  const out = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith("--")) throw new Error(`unexpected argument "${a}"`);
    const eq = a.indexOf("=");
    if (eq >= 0) out.set(a.slice(2, eq), a.slice(eq + 1));
    else if (a === "--no-run-pods") out.set("no-run-pods", true);
    else {
      const v = args[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      out.set(a.slice(2), v);
    }
  }
  return out;
}

function durationMs(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text);
  if (m === null) throw new Error(`invalid duration "${text}"`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[m[2] as "ms" | "s" | "m"];
}

export async function runHollowNodes(args: string[]): Promise<number> {
  let flags;
  try {
    flags = parse(args);
    for (const k of flags.keys()) if (!["kubeconfig", "count", "prefix", "cpu", "memory", "max-pods", "heartbeat", "no-run-pods"].includes(k)) throw new Error(`unknown flag --${k}`);
  } catch (err) {
    process.stderr.write(`hollow-nodes: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  const str = (k: string, d: string): string => {
    const v = flags.get(k);
    return typeof v === "string" ? v : d;
  };
  const kubeconfig = str("kubeconfig", process.env.KUBECONFIG ?? "");
  const count = Number(str("count", "1"));
  if (kubeconfig === "" || !Number.isInteger(count) || count < 1) {
    process.stderr.write("usage: skiff hollow-nodes --kubeconfig F --count N [--prefix hollow-] [--cpu 4] [--memory 32Gi] [--max-pods 110] [--heartbeat 1s] [--no-run-pods]\n");
    return 2;
  }
  const log = (msg: string, fields: Record<string, unknown> = {}): void => {
    process.stderr.write(`${JSON.stringify({ ts: new Date().toISOString(), level: "info", component: "hollow-nodes", msg, ...fields })}\n`);
  };
  const nodes = HollowNodes.fromFile(kubeconfig, {
    heartbeatMs: durationMs(str("heartbeat", "1s")),
    runPods: flags.get("no-run-pods") !== true,
    onError: (what, err) => log("request failed", { what, error: err instanceof Error ? err.message : String(err) }),
  });
  await nodes.start();
  const prefix = str("prefix", "hollow-");
  await nodes.add(Array.from({ length: count }, (_, i) => ({ name: `${prefix}${i}`, cpu: str("cpu", "4"), memory: str("memory", "32Gi"), pods: str("max-pods", "110") })));
  log("nodes registered", { count });
  await new Promise<void>((resolve) => {
    process.once("SIGTERM", () => resolve());
    process.once("SIGINT", () => resolve());
  });
  await nodes.stop();
  return 0;
}
