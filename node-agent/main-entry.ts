// Process entry of the node-agent bundle (deploy/dist/node-agent.mjs), the
// skiff/node-agent image's entrypoint: its arguments are `skiff agent`'s
// flags; with `ingress` first, it runs the ingress controller instead (a
// workload in a pod of this image). Node as PID 1 ignores SIGTERM unless
// handled: both handle it.
import { runAgent } from "./agent/agent-command.ts";
import { runIngressController } from "./ingress/ingress-command.ts";

const args = process.argv.slice(2);
(args[0] === "ingress" ? runIngressController(args.slice(1)) : runAgent(args)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`node-agent: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
