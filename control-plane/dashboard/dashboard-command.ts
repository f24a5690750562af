// `skiff dashboard`: the web dashboard of a cluster, an API client like
// kubectl (list+watch over HTTPS with a kubeconfig), served over HTTPS with
// the API server's certificate, behind the kubeconfig's admin token. Each
// control-plane member runs one (see memberChildren).
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { KubeConfig } from "@kubernetes/client-node";
import { createLogger } from "../logger.ts";
import { adminToken } from "./auth.ts";
import { MachineControl } from "./machines.ts";
import { parseStoreEndpoints } from "./members.ts";
import { DashboardServer } from "./server.ts";

export const dashboardUsage = `usage: dashboard --kubeconfig FILE --tls-cert-file F --tls-private-key-file F --token-auth-file F
       [--secure-port 8443] [--bind-address 0.0.0.0]
       [--store-endpoints s1=http://IP:2379,...]   store members to show (Maintenance.Status)
       [--docker-socket /var/run/docker.sock]
       [--docker-label KEY=VALUE]   the label of the containers the kill/start buttons may act on
                                    (default: the skiff.cluster or compose project label of the
                                    container the dashboard runs in; none: buttons off)
`;

export interface DashboardFlags {
  kubeconfig: string;
  certFile: string;
  keyFile: string;
  tokenFile: string;
  port: number;
  host: string;
  storeEndpoints: string;
  dockerSocket: string;
  dockerLabel: string | undefined;
}

export function parseDashboardFlags(args: string[]): DashboardFlags {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      kubeconfig: { type: "string" },
      "tls-cert-file": { type: "string" },
      "tls-private-key-file": { type: "string" },
      "token-auth-file": { type: "string" },
      "secure-port": { type: "string", default: "8443" },
      "bind-address": { type: "string", default: "0.0.0.0" },
      "store-endpoints": { type: "string", default: "" },
      "docker-socket": { type: "string", default: "/var/run/docker.sock" },
      "docker-label": { type: "string" },
    },
  });
  for (const flag of ["kubeconfig", "tls-cert-file", "tls-private-key-file", "token-auth-file"] as const) {
    if (values[flag] === undefined || values[flag] === "") throw new Error(`--${flag} is required`);
  }
  const port = Number(values["secure-port"]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--secure-port: not a port: ${values["secure-port"]}`);
  return {
    kubeconfig: values.kubeconfig as string,
    certFile: values["tls-cert-file"] as string,
    keyFile: values["tls-private-key-file"] as string,
    tokenFile: values["token-auth-file"] as string,
    port,
    host: values["bind-address"],
    storeEndpoints: values["store-endpoints"],
    dockerSocket: values["docker-socket"],
    dockerLabel: values["docker-label"],
  };
}

export async function runDashboard(args: string[]): Promise<number> {
  let flags: DashboardFlags;
  try {
    flags = parseDashboardFlags(args);
  } catch (err) {
    process.stderr.write(`dashboard: ${err instanceof Error ? err.message : String(err)}\n${dashboardUsage}`);
    return 2;
  }
  const log = createLogger("dashboard");
  const kubeconfig = new KubeConfig();
  kubeconfig.loadFromFile(flags.kubeconfig);
  const machines = flags.dockerLabel === "none" ? undefined : await MachineControl.open(flags.dockerSocket, flags.dockerLabel);
  const server = new DashboardServer({
    host: flags.host,
    port: flags.port,
    cert: readFileSync(flags.certFile),
    key: readFileSync(flags.keyFile),
    token: adminToken(readFileSync(flags.tokenFile, "utf8")),
    kubeconfig,
    stores: parseStoreEndpoints(flags.storeEndpoints),
    machines,
    log,
  });
  const port = await server.start();
  log.info("serving", { port, machines: machines === undefined ? "off" : `${machines.scope.key}=${machines.scope.value}` });
  await new Promise<void>((resolve) => {
    process.once("SIGTERM", () => resolve());
    process.once("SIGINT", () => resolve());
  });
  log.info("stopping");
  await server.stop();
  return 0;
}
