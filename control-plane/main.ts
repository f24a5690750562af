// Entry point of the control-plane image: `node control-plane.mjs <component> [flags]`.
// Components (store, apiserver, scheduler, controller-manager) register here as they land.
const components: Record<string, (args: string[]) => Promise<number>> = {
  store: async (args) => (await import("./store/store-command.ts")).runStore(args),
  apiserver: async (args) => (await import("./apiserver/apiserver-command.ts")).runApiServer(args),
  scheduler: async (args) => (await import("./scheduler/scheduler-command.ts")).runScheduler(args),
  "controller-manager": async (args) => (await import("./controllers/controller-manager-command.ts")).runControllerManager(args),
  version: async () => {
    process.stdout.write("skiff control-plane 0.1.0\n");
    return 0;
  },
};

export async function runControlPlane(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const run = name === undefined ? undefined : components[name];
  if (run === undefined) {
    process.stderr.write(`usage: control-plane <${Object.keys(components).join("|")}> [flags]\n`);
    return 2;
  }
  return run(rest);
}
