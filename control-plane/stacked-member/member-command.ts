// `member`: runs one control-plane machine: a store member, the API server on
// it, and a leader-elected scheduler and controller manager talking to that
// API server, and the dashboard — each its own process, restarted if it exits (a scheduler that
// loses its Lease exits on purpose and comes back as a standby). This is what
// each control-plane container of docker-compose.yml runs.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { kubeconfigWithServer } from "../../proto/kube/kubeconfig.ts";
import { storeEndpointsFromInitialCluster } from "../dashboard/members.ts";
import { createLogger } from "../logger.ts";
import { type MemberFlags, memberUsage, parseMemberFlags } from "./member-flags.ts";
import { type ChildSpec, Supervisor } from "./supervisor.ts";

/** The children of one member; `self` is how to run this program again with a component name. */
export function memberChildren(f: MemberFlags, self: { command: string; args: string[] }, kubeconfig: string): ChildSpec[] {
  const child = (name: string, args: string[]): ChildSpec => ({ name, command: self.command, args: [...self.args, name, ...args] });
  const certs = (file: string): string => join(f.certsDir, file);
  return [
    child("store", [
      `--name=${f.name}`,
      `--data-dir=${join(f.dataDir, "store")}`,
      `--listen-client-urls=http://0.0.0.0:${f.clientPort}`,
      `--advertise-client-urls=http://${f.ip}:${f.clientPort}`,
      `--listen-peer-urls=http://0.0.0.0:${f.peerPort}`,
      `--listen-metrics-urls=http://0.0.0.0:${f.storeMetricsPort}`,
      `--initial-advertise-peer-urls=http://${f.ip}:${f.peerPort}`,
      `--initial-cluster=${f.initialCluster}`,
      `--initial-cluster-state=${f.initialClusterState}`,
    ]),
    child("apiserver", [
      // Stacked, as kubeadm does it: the API server uses its own member; writes
      // reach the leader through it, and a cut-off member refuses them.
      `--etcd-servers=http://127.0.0.1:${f.clientPort}`,
      `--secure-port=${f.securePort}`,
      `--advertise-address=${f.ip}`,
      `--tls-cert-file=${certs("apiserver.crt")}`,
      `--tls-private-key-file=${certs("apiserver.key")}`,
      `--client-ca-file=${certs("ca.crt")}`,
      `--token-auth-file=${certs("tokens.csv")}`,
      // Secrets encrypted at rest with the key `skiff certs` wrote (absent in credentials older than it).
      ...(existsSync(certs("encryption-config.yaml")) ? [`--encryption-provider-config=${certs("encryption-config.yaml")}`] : []),
      `--service-cluster-ip-range=${f.serviceClusterIpRange}`,
      `--service-node-port-range=${f.serviceNodePortRange}`,
    ]),
    // The API server serves its /metrics on its secure port; the others on plain HTTP ports of their own.
    child("scheduler", [`--kubeconfig=${kubeconfig}`, "--leader-elect", `--metrics-bind-address=0.0.0.0:${f.schedulerMetricsPort}`, ...f.electionArgs]),
    child("controller-manager", [`--kubeconfig=${kubeconfig}`, "--leader-elect", `--metrics-bind-address=0.0.0.0:${f.controllerManagerMetricsPort}`, ...f.electionArgs, ...f.controllerArgs]),
    // Every member serves the page; the kill/start buttons act on the cluster's own containers only.
    child("dashboard", [
      `--kubeconfig=${kubeconfig}`,
      `--secure-port=${f.dashboardPort}`,
      `--tls-cert-file=${certs("apiserver.crt")}`,
      `--tls-private-key-file=${certs("apiserver.key")}`,
      `--token-auth-file=${certs("tokens.csv")}`,
      `--store-endpoints=${storeEndpointsFromInitialCluster(f.initialCluster, f.clientPort)}`,
    ]),
  ];
}

export async function runMember(args: string[]): Promise<number> {
  let flags: MemberFlags;
  try {
    flags = parseMemberFlags(args);
  } catch (err) {
    process.stderr.write(`member: ${err instanceof Error ? err.message : String(err)}\n${memberUsage}`);
    return 2;
  }
  const log = createLogger("member", { fields: { member: flags.name } });
  mkdirSync(flags.dataDir, { recursive: true });
  const kubeconfig = join(flags.dataDir, "local.kubeconfig");
  try {
    writeFileSync(kubeconfig, kubeconfigWithServer(join(flags.certsDir, "kubeconfig"), `https://127.0.0.1:${flags.securePort}`), { mode: 0o600 });
  } catch (err) {
    process.stderr.write(`member: cannot read the cluster credentials in ${flags.certsDir} (run \`skiff certs\` first): ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  const self = { command: process.execPath, args: [...process.execArgv, process.argv[1] ?? ""] };
  const supervisor = new Supervisor(memberChildren(flags, self, kubeconfig), log);
  supervisor.start();
  await new Promise<void>((resolve) => {
    process.once("SIGTERM", () => resolve());
    process.once("SIGINT", () => resolve());
  });
  log.info("stopping");
  // The store hands leadership over and the elected components release their Leases on SIGTERM.
  await supervisor.stop(10_000);
  return 0;
}
