// `skiff apiserver` flags, named as kube-apiserver's.
import { parseArgs } from "node:util";
import { Cidr, parsePortRange } from "./allocators.ts";
import { type DefaultTolerationSeconds, skiffDefaultTolerationSeconds } from "./registry/kinds/default-tolerations.ts";

export interface ApiServerFlags {
  etcdServers: string[];
  securePort: number;
  bindAddress: string;
  advertiseAddress: string;
  tlsCertFile: string;
  tlsPrivateKeyFile: string;
  clientCaFile: string | undefined;
  tokenAuthFile: string | undefined;
  serviceClusterIpRange: Cidr;
  serviceNodePortRange: { min: number; max: number };
  kubeletClientCertificate: string | undefined;
  kubeletClientKey: string | undefined;
  defaultTolerationSeconds: DefaultTolerationSeconds;
  encryptionProviderConfig: string | undefined;
}

export class FlagError extends Error {}

export const usage = `usage: skiff apiserver --etcd-servers=URL[,URL...] --tls-cert-file=F --tls-private-key-file=F
       [--secure-port=6443] [--bind-address=0.0.0.0] [--advertise-address=IP]
       [--client-ca-file=F] [--token-auth-file=F]
       [--service-cluster-ip-range=10.96.0.0/16] [--service-node-port-range=30000-32767]
       [--kubelet-client-certificate=F --kubelet-client-key=F]
       [--default-not-ready-toleration-seconds=2] [--default-unreachable-toleration-seconds=2]
       [--encryption-provider-config=F]
`;

export function parseApiServerFlags(args: string[]): ApiServerFlags {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        "etcd-servers": { type: "string" },
        "secure-port": { type: "string", default: "6443" },
        "bind-address": { type: "string", default: "0.0.0.0" },
        "advertise-address": { type: "string" },
        "tls-cert-file": { type: "string" },
        "tls-private-key-file": { type: "string" },
        "client-ca-file": { type: "string" },
        "token-auth-file": { type: "string" },
        "service-cluster-ip-range": { type: "string", default: "10.96.0.0/16" },
        "service-node-port-range": { type: "string", default: "30000-32767" },
        "kubelet-client-certificate": { type: "string" },
        "kubelet-client-key": { type: "string" },
        "encryption-provider-config": { type: "string" },
        "default-not-ready-toleration-seconds": { type: "string", default: String(skiffDefaultTolerationSeconds.notReady) },
        "default-unreachable-toleration-seconds": { type: "string", default: String(skiffDefaultTolerationSeconds.unreachable) },
      },
      strict: true,
    }));
  } catch (err) {
    throw new FlagError(err instanceof Error ? err.message : String(err));
  }
  const etcd = values["etcd-servers"];
  if (etcd === undefined || etcd === "") throw new FlagError("--etcd-servers must be given");
  const cert = values["tls-cert-file"];
  const key = values["tls-private-key-file"];
  if (cert === undefined || key === undefined) throw new FlagError("--tls-cert-file and --tls-private-key-file must be given (skiff serves HTTPS only)");
  if (values["client-ca-file"] === undefined && values["token-auth-file"] === undefined) {
    throw new FlagError("give --client-ca-file or --token-auth-file: every request must authenticate");
  }
  const port = Number(values["secure-port"]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new FlagError(`--secure-port: invalid port ${values["secure-port"]}`);
  let cidr: Cidr;
  let range: { min: number; max: number };
  try {
    cidr = new Cidr(values["service-cluster-ip-range"]);
    range = parsePortRange(values["service-node-port-range"]);
  } catch (err) {
    throw new FlagError(err instanceof Error ? err.message : String(err));
  }
  const seconds = (name: "default-not-ready-toleration-seconds" | "default-unreachable-toleration-seconds"): number => {
    const n = Number(values[name]);
    if (values[name] === "" || !Number.isInteger(n) || n < 0) throw new FlagError(`--${name}: not a whole number of seconds: ${values[name]}`);
    return n;
  };
  const defaultTolerationSeconds = { notReady: seconds("default-not-ready-toleration-seconds"), unreachable: seconds("default-unreachable-toleration-seconds") };
  const bind = values["bind-address"];
  return {
    etcdServers: etcd.split(",").map((s) => s.trim()).filter((s) => s !== ""),
    securePort: port,
    bindAddress: bind,
    advertiseAddress: values["advertise-address"] ?? (bind === "0.0.0.0" || bind === "::" ? "127.0.0.1" : bind),
    tlsCertFile: cert,
    tlsPrivateKeyFile: key,
    clientCaFile: values["client-ca-file"],
    tokenAuthFile: values["token-auth-file"],
    serviceClusterIpRange: cidr,
    serviceNodePortRange: range,
    kubeletClientCertificate: values["kubelet-client-certificate"],
    kubeletClientKey: values["kubelet-client-key"],
    defaultTolerationSeconds,
    encryptionProviderConfig: values["encryption-provider-config"],
  };
}
