// Process entry of the control-plane bundle (deploy/dist/control-plane.mjs).
// Node running as PID 1 in a container ignores SIGTERM unless a handler is
// installed, which would make `docker stop` wait for its timeout and SIGKILL.
import { runControlPlane } from "./main.ts";

// SIGTERM is a requested stop (exit 0); SIGINT keeps the shell's 128+2.
process.once("SIGTERM", () => process.exit(0));
process.once("SIGINT", () => process.exit(130));

runControlPlane(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`control-plane: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
