// Process entry of the control-plane bundle (deploy/dist/control-plane.mjs).
// Node running as PID 1 in a container ignores SIGTERM unless a handler is
// installed, which would make `docker stop` wait for its timeout and SIGKILL.
import { runControlPlane } from "./main.ts";

// SIGTERM is a requested stop (exit 0); SIGINT keeps the shell's 128+2.
// A component that stops gracefully (the store hands leadership over, the
// scheduler releases its Lease) installs handlers of its own; then those
// decide when to exit, and this fallback steps aside.
function exitUnlessHandled(signal: NodeJS.Signals, code: number): void {
  process.once(signal, () => {
    if (process.listenerCount(signal) === 0) process.exit(code);
  });
}
exitUnlessHandled("SIGTERM", 0);
exitUnlessHandled("SIGINT", 130);

runControlPlane(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`control-plane: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
