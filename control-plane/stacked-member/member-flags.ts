// Flags of `member`: one control-plane machine's worth of components (store
// member, API server, scheduler, controller manager), as kubeadm's "stacked"
// topology places them. Store flags keep etcd's names; the rest name the
// files `skiff certs` writes.
import { parseArgs } from "node:util";

export interface MemberFlags {
  name: string;
  /** This member's address on the cluster network (advertised to peers, nodes and kubectl). */
  ip: string;
  dataDir: string;
  certsDir: string;
  initialCluster: string;
  initialClusterState: "new" | "existing";
  clientPort: number;
  peerPort: number;
  securePort: number;
  /** The dashboard's HTTPS port. */
  dashboardPort: number;
  /** Plain-HTTP /metrics of the store (kubeadm's etcd: 2381), scheduler (10259) and controller manager (10257), on every interface. */
  storeMetricsPort: number;
  schedulerMetricsPort: number;
  controllerManagerMetricsPort: number;
  serviceClusterIpRange: string;
  serviceNodePortRange: string;
  /** Passed to the scheduler and controller manager unchanged (kube's --leader-elect-* flags). */
  electionArgs: string[];
  /** Passed to the controller manager unchanged (e.g. --node-monitor-grace-period=4s). */
  controllerArgs: string[];
}

export const memberUsage = `usage: member --name NAME --ip IP --data-dir DIR --certs DIR --initial-cluster n1=http://IP1:2380,...
       [--initial-cluster-state new|existing] [--client-port 2379] [--peer-port 2380] [--secure-port 6443] [--dashboard-port 8443]
       [--store-metrics-port 2381] [--scheduler-metrics-port 10259] [--controller-manager-metrics-port 10257]
       [--service-cluster-ip-range CIDR] [--service-node-port-range 30000-32767]
       [--leader-elect-lease-duration D --leader-elect-renew-deadline D --leader-elect-retry-period D]
       [--controller-arg=--flag=value ...]
`;

function port(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`--${flag}: not a port: ${value}`);
  return n;
}

export function parseMemberFlags(args: string[]): MemberFlags {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      name: { type: "string" },
      ip: { type: "string" },
      "data-dir": { type: "string" },
      certs: { type: "string" },
      "initial-cluster": { type: "string" },
      "initial-cluster-state": { type: "string", default: "new" },
      "client-port": { type: "string", default: "2379" },
      "peer-port": { type: "string", default: "2380" },
      "secure-port": { type: "string", default: "6443" },
      "dashboard-port": { type: "string", default: "8443" },
      "store-metrics-port": { type: "string", default: "2381" },
      "scheduler-metrics-port": { type: "string", default: "10259" },
      "controller-manager-metrics-port": { type: "string", default: "10257" },
      "service-cluster-ip-range": { type: "string", default: "10.96.0.0/16" },
      "service-node-port-range": { type: "string", default: "30000-32767" },
      "leader-elect-lease-duration": { type: "string" },
      "leader-elect-renew-deadline": { type: "string" },
      "leader-elect-retry-period": { type: "string" },
      "controller-arg": { type: "string", multiple: true, default: [] },
    },
  });
  for (const flag of ["name", "ip", "data-dir", "certs", "initial-cluster"] as const) {
    if (values[flag] === undefined || values[flag] === "") throw new Error(`--${flag} is required`);
  }
  const state = values["initial-cluster-state"];
  if (state !== "new" && state !== "existing") throw new Error(`--initial-cluster-state must be new or existing, not ${state}`);
  const name = values.name as string;
  const cluster = values["initial-cluster"] as string;
  if (!cluster.split(",").some((entry) => entry.split("=")[0] === name)) {
    throw new Error(`--initial-cluster does not name this member (${name})`);
  }
  const electionArgs: string[] = [];
  for (const flag of ["leader-elect-lease-duration", "leader-elect-renew-deadline", "leader-elect-retry-period"] as const) {
    const value = values[flag];
    if (value !== undefined) electionArgs.push(`--${flag}=${value}`);
  }
  return {
    name,
    ip: values.ip as string,
    dataDir: values["data-dir"] as string,
    certsDir: values.certs as string,
    initialCluster: cluster,
    initialClusterState: state,
    clientPort: port(values["client-port"], "client-port"),
    peerPort: port(values["peer-port"], "peer-port"),
    securePort: port(values["secure-port"], "secure-port"),
    dashboardPort: port(values["dashboard-port"], "dashboard-port"),
    storeMetricsPort: port(values["store-metrics-port"], "store-metrics-port"),
    schedulerMetricsPort: port(values["scheduler-metrics-port"], "scheduler-metrics-port"),
    controllerManagerMetricsPort: port(values["controller-manager-metrics-port"], "controller-manager-metrics-port"),
    serviceClusterIpRange: values["service-cluster-ip-range"],
    serviceNodePortRange: values["service-node-port-range"],
    electionArgs,
    controllerArgs: values["controller-arg"],
  };
}
