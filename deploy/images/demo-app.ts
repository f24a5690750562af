// Entry of the demo workload image (deploy/dist/demo-app.mjs): listens on
// $PORT (default 8080) and stops cleanly on SIGTERM, so `docker stop` and
// pod deletion do not wait for a SIGKILL.
import { hostname } from "node:os";
import { createDemoApp, jsonLog } from "./demo-app-server.ts";

const log = jsonLog("demo-app");
const port = Number(process.env["PORT"] ?? 8080);
const server = createDemoApp({ hostname: hostname(), log });

server.listen(port, () => log("listening", { port, hostname: hostname() }));

process.once("SIGTERM", () => {
  log("stopping", { signal: "SIGTERM" });
  server.close(() => process.exit(0));
  // Idle keep-alive connections would otherwise hold close() open.
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 2000).unref();
});
