// Entry point of the control-plane image: `node control-plane.mjs <component> [flags]`.
export type Component = (args: string[]) => Promise<number>;

const components: Record<string, Component> = {
  store: async (args) => (await import("./store/store-command.ts")).runStore(args),
  apiserver: async (args) => (await import("./apiserver/apiserver-command.ts")).runApiServer(args),
  scheduler: async (args) => (await import("./scheduler/scheduler-command.ts")).runScheduler(args),
  "controller-manager": async (args) => (await import("./controllers/controller-manager-command.ts")).runControllerManager(args),
  dashboard: async (args) => (await import("./dashboard/dashboard-command.ts")).runDashboard(args),
  member: async (args) => (await import("./stacked-member/member-command.ts")).runMember(args),
  version: async () => {
    process.stdout.write("skiff control-plane 0.1.0\n");
    return 0;
  },
};

/** Runs a component by name; `extra` adds components wired in by deploy/ (e.g. certs). */
export async function runControlPlane(argv: string[], extra: Record<string, Component> = {}): Promise<number> {
  const all = { ...components, ...extra };
  const [name, ...rest] = argv;
  const run = name === undefined ? undefined : all[name];
  if (run === undefined) {
    process.stderr.write(`usage: control-plane <${Object.keys(all).join("|")}> [flags]\n`);
    return 2;
  }
  return run(rest);
}

// Node running as PID 1 in a container ignores SIGTERM unless a handler is
// installed, which would make `docker stop` wait for its timeout and SIGKILL.
// SIGTERM is a requested stop (exit 0); SIGINT keeps the shell's 128+2. A
// component that stops gracefully (the store hands leadership over, the
// scheduler releases its Lease) installs handlers of its own; then those
// decide when to exit, and this fallback steps aside.
export function exitUnlessHandled(signal: NodeJS.Signals, code: number): void {
  process.once(signal, () => {
    if (process.listenerCount(signal) === 0) process.exit(code);
  });
}
