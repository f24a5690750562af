// Process entry of the control-plane bundle (deploy/dist/control-plane.mjs):
// the control-plane components plus `certs`, so that docker-compose.yml can
// create a cluster's credentials in a one-shot container before the members start.
import { exitUnlessHandled, runControlPlane } from "../../control-plane/main.ts";

exitUnlessHandled("SIGTERM", 0);
exitUnlessHandled("SIGINT", 130);

runControlPlane(process.argv.slice(2), {
  certs: async (args) => (await import("../certs/certs-command.ts")).runCertsCommand(args),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`control-plane: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
