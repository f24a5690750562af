// Process entry of the node-agent bundle (deploy/dist/node-agent.mjs), the
// skiff/node-agent image's entrypoint: its arguments are `skiff agent`'s
// flags. Node as PID 1 ignores SIGTERM unless handled: the agent handles it.
import { runAgent } from "./agent/agent-command.ts";

runAgent(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`node-agent: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
