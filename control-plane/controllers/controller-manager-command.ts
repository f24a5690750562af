// `skiff controller-manager --kubeconfig F [--concurrent-syncs N]`: the
// ReplicaSet and Deployment controllers as an API client.
import { createLogger } from "../logger.ts";
import { ControllerManager } from "./controller-manager.ts";
import { KubeApi } from "./kube-api.ts";

const valueFlags = new Set(["kubeconfig", "concurrent-syncs"]);

export function parseFlags(args: string[]): { kubeconfig: string; workers: number } {
  const values = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith("--")) throw new Error(`unexpected argument "${a}"`);
    const eq = a.indexOf("=");
    const name = a.slice(2, eq > 0 ? eq : undefined);
    if (name.startsWith("leader-elect")) throw new Error(`--${name} is not there yet: this controller manager always leads`);
    if (!valueFlags.has(name)) throw new Error(`unknown flag --${name}`);
    const value = eq > 0 ? a.slice(eq + 1) : args[++i];
    if (value === undefined) throw new Error(`flag --${name} needs a value`);
    values.set(name, value);
  }
  const kubeconfig = values.get("kubeconfig") ?? process.env.KUBECONFIG;
  if (kubeconfig === undefined) throw new Error("--kubeconfig is required");
  const workers = Number(values.get("concurrent-syncs") ?? "5");
  if (!Number.isInteger(workers) || workers < 1) throw new Error("--concurrent-syncs must be a positive integer");
  return { kubeconfig, workers };
}

export async function runControllerManager(args: string[]): Promise<number> {
  let flags;
  try {
    flags = parseFlags(args);
  } catch (err) {
    process.stderr.write(`controller-manager: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  const log = createLogger("controller-manager");
  const manager = new ControllerManager(KubeApi.fromFile(flags.kubeconfig, log), log, { workers: flags.workers });
  await manager.start();
  const signalled = await Promise.race([
    new Promise<boolean>((resolve) => {
      process.once("SIGTERM", () => resolve(true));
      process.once("SIGINT", () => resolve(true));
    }),
    manager.done().then(() => false),
  ]);
  log.info("stopping", { reason: signalled ? "signal" : "leadership lost" });
  await manager.stop();
  // Exit even if a watch socket lingers; a lost leader exits non-zero so it is restarted as a standby.
  process.exit(signalled ? 0 : 1);
}
