// Process entry of the node-agent bundle (deploy/dist/node-agent.mjs).
// The agent's modules (pod runtime, status, proxy) are built and tested on
// their own; `skiff agent --kubeconfig F --node-name N` wires them to the
// API server once it lands. Until then the entry only says so.
process.once("SIGTERM", () => process.exit(0));
process.once("SIGINT", () => process.exit(130));

process.stderr.write("skiff node-agent: the API server client is not wired yet (issue 7)\n");
process.exitCode = 2;
