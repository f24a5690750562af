// `skiff store` takes etcd's flags, so one script can start a skiff cluster or
// an etcd cluster by changing only the binary. Both `--flag=value` and
// `--flag value` forms are accepted, as etcd accepts them.
export interface StoreFlags {
  name: string;
  dataDir: string;
  listenClientUrls: URL[];
  advertiseClientUrls: URL[];
  listenPeerUrls: URL[];
  /** Where /metrics and /health are served over plain HTTP (etcd's --listen-metrics-urls); none by default. */
  listenMetricsUrls: URL[];
  initialAdvertisePeerUrls: URL[];
  /** name → peer URLs, in the order given. */
  initialCluster: Map<string, URL[]>;
  initialClusterState: "new" | "existing";
  initialClusterToken: string;
  snapshotCount: number;
  heartbeatIntervalMs: number;
  electionTimeoutMs: number;
}

export class FlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FlagError";
  }
}

interface FlagSpec {
  default: string;
  help: string;
}

const specs: Record<string, FlagSpec> = {
  name: { default: "default", help: "human-readable name for this member" },
  "data-dir": { default: "", help: "path to the data directory (default ${name}.etcd)" },
  "listen-client-urls": { default: "http://localhost:2379", help: "URLs to listen on for client traffic" },
  "advertise-client-urls": { default: "http://localhost:2379", help: "client URLs of this member to advertise to the cluster" },
  "listen-metrics-urls": { default: "", help: "URLs to serve /metrics and /health on (http; the client URLs speak only gRPC)" },
  "listen-peer-urls": { default: "http://localhost:2380", help: "URLs to listen on for peer traffic" },
  "initial-advertise-peer-urls": { default: "http://localhost:2380", help: "peer URLs of this member to advertise to the cluster" },
  "initial-cluster": { default: "default=http://localhost:2380", help: "initial cluster configuration: name=peerURL,..." },
  "initial-cluster-state": { default: "new", help: "new (bootstrap a cluster) or existing (join one)" },
  "initial-cluster-token": { default: "etcd-cluster", help: "initial cluster token, mixed into cluster and member ids" },
  "snapshot-count": { default: "100000", help: "committed entries between snapshots (after which older WAL segments are removed)" },
  "heartbeat-interval": { default: "100", help: "time (ms) of a heartbeat interval" },
  "election-timeout": { default: "1000", help: "time (ms) for an election to time out" },
};

export function storeUsage(): string {
  const lines = Object.entries(specs).map(([name, s]) => `  --${name.padEnd(28)} ${s.help} (default "${s.default}")`);
  return `usage: skiff store [flags]\n\nflags (as etcd's):\n${lines.join("\n")}\n`;
}

function parseUrls(flag: string, value: string): URL[] {
  const urls = value.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
  if (urls.length === 0) throw new FlagError(`--${flag} must name at least one URL`);
  return urls.map((u) => {
    let url: URL;
    try {
      url = new URL(u);
    } catch {
      throw new FlagError(`--${flag}: "${u}" is not a valid URL`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new FlagError(`--${flag}: URL scheme must be http or https (got "${u}")`);
    }
    if (url.port === "") throw new FlagError(`--${flag}: "${u}" has no port`);
    return url;
  });
}

function parsePositiveInt(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new FlagError(`--${flag} must be a positive integer (got "${value}")`);
  return n;
}

function parseInitialCluster(value: string): Map<string, URL[]> {
  const cluster = new Map<string, URL[]>();
  for (const part of value.split(",").map((s) => s.trim()).filter((s) => s.length > 0)) {
    const eq = part.indexOf("=");
    if (eq <= 0) throw new FlagError(`--initial-cluster: "${part}" is not of the form name=peerURL`);
    const name = part.slice(0, eq);
    const urls = parseUrls("initial-cluster", part.slice(eq + 1));
    cluster.set(name, [...(cluster.get(name) ?? []), ...urls]);
  }
  if (cluster.size === 0) throw new FlagError("--initial-cluster must name at least one member");
  return cluster;
}

/** Parses argv (without the leading `store`); throws FlagError with a message fit for the user. */
export function parseStoreFlags(argv: readonly string[]): StoreFlags {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("-")) throw new FlagError(`unexpected argument "${arg}"`);
    const body = arg.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const name = eq < 0 ? body : body.slice(0, eq);
    if (!(name in specs)) throw new FlagError(`unknown flag --${name}`);
    let value: string | undefined = eq < 0 ? undefined : body.slice(eq + 1);
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new FlagError(`flag needs an argument: --${name}`);
    }
    values.set(name, value);
  }
  const get = (name: string): string => values.get(name) ?? specs[name]!.default;

  const name = get("name");
  const state = get("initial-cluster-state");
  if (state !== "new" && state !== "existing") {
    throw new FlagError(`--initial-cluster-state must be "new" or "existing" (got "${state}")`);
  }
  const flags: StoreFlags = {
    name,
    dataDir: get("data-dir") === "" ? `${name}.etcd` : get("data-dir"),
    listenClientUrls: parseUrls("listen-client-urls", get("listen-client-urls")),
    advertiseClientUrls: parseUrls("advertise-client-urls", get("advertise-client-urls")),
    listenPeerUrls: parseUrls("listen-peer-urls", get("listen-peer-urls")),
    listenMetricsUrls: get("listen-metrics-urls") === "" ? [] : parseUrls("listen-metrics-urls", get("listen-metrics-urls")),
    initialAdvertisePeerUrls: parseUrls("initial-advertise-peer-urls", get("initial-advertise-peer-urls")),
    initialCluster: parseInitialCluster(get("initial-cluster")),
    initialClusterState: state,
    initialClusterToken: get("initial-cluster-token"),
    snapshotCount: parsePositiveInt("snapshot-count", get("snapshot-count")),
    heartbeatIntervalMs: parsePositiveInt("heartbeat-interval", get("heartbeat-interval")),
    electionTimeoutMs: parsePositiveInt("election-timeout", get("election-timeout")),
  };
  validate(flags);
  return flags;
}

function validate(f: StoreFlags): void {
  const own = f.initialCluster.get(f.name);
  if (own === undefined) {
    throw new FlagError(
      `couldn't find local name "${f.name}" in the initial cluster configuration (--initial-cluster=${describeCluster(f.initialCluster)})`,
    );
  }
  const advertised = f.initialAdvertisePeerUrls.map((u) => u.href).sort();
  const listed = own.map((u) => u.href).sort();
  if (advertised.join(",") !== listed.join(",")) {
    throw new FlagError(
      `--initial-cluster has ${f.name}=${listed.join(",")} but --initial-advertise-peer-urls is ${advertised.join(",")}: they must match`,
    );
  }
  if (f.electionTimeoutMs < 5 * f.heartbeatIntervalMs) {
    throw new FlagError(
      `--election-timeout[${f.electionTimeoutMs}ms] should be at least as 5 times as --heartbeat-interval[${f.heartbeatIntervalMs}ms]`,
    );
  }
}

function describeCluster(c: Map<string, URL[]>): string {
  return [...c].map(([n, urls]) => urls.map((u) => `${n}=${u.origin}`).join(",")).join(",");
}
