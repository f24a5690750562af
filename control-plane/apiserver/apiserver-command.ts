// `skiff apiserver`: the Kubernetes API over HTTPS, objects in an etcd v3
// store (skiff's or etcd's).
import { readFileSync } from "node:fs";
import { ServiceAllocators } from "./allocators.ts";
import { Authenticator, parseTokenFile } from "./auth/auth.ts";
import { bootstrapCluster } from "./bootstrap.ts";
import { CrdWatcher } from "./custom-resources/crd-watcher.ts";
import { FlagError, parseApiServerFlags, usage } from "./flags.ts";
import { ApiMetrics } from "./metrics.ts";
import { resourceTypes } from "./registry/index.ts";
import type { HookContext } from "./registry/types.ts";
import { ObjectStore } from "./rest/objects.ts";
import { WatchCaches } from "./rest/watch-cache.ts";
import { createLogger } from "../logger.ts";
import { createApiServer } from "./server.ts";
import { EncryptedStorage } from "./storage/encrypted-storage.ts";
import { parseEncryptionConfig } from "./storage/encryption.ts";
import { EtcdStorage } from "./storage/etcd-storage.ts";

const logger = createLogger("apiserver");

// The server's entries carry their level and message among the fields.
function log(entry: Record<string, unknown>): void {
  const { level, msg, ...fields } = entry;
  const at = level === "debug" || level === "warn" || level === "error" ? level : "info";
  logger[at](String(msg ?? ""), fields);
}

export async function runApiServer(args: string[]): Promise<number> {
  let flags;
  try {
    flags = parseApiServerFlags(args);
  } catch (err) {
    if (err instanceof FlagError) {
      process.stderr.write(`skiff apiserver: ${err.message}\n${usage}`);
      return 2;
    }
    throw err;
  }
  const tokens = flags.tokenAuthFile === undefined ? new Map() : parseTokenFile(readFileSync(flags.tokenAuthFile, "utf8"));
  const etcd = new EtcdStorage(flags.etcdServers);
  const storage = flags.encryptionProviderConfig === undefined ? etcd : new EncryptedStorage(etcd, parseEncryptionConfig(readFileSync(flags.encryptionProviderConfig, "utf8")));
  const allocators = new ServiceAllocators(storage, flags.serviceClusterIpRange, flags.serviceNodePortRange);
  const hooks: HookContext = {
    allocateClusterIp: (ip) => allocators.allocateClusterIp(ip),
    releaseClusterIp: (ip) => allocators.releaseClusterIp(ip),
    allocateNodePort: (port) => allocators.allocateNodePort(port),
    releaseNodePort: (port) => allocators.releaseNodePort(port),
    defaultTolerationSeconds: flags.defaultTolerationSeconds,
  };
  const objects = new ObjectStore(storage, hooks, resourceTypes);
  const watchCaches = new WatchCaches(storage);
  const metrics = new ApiMetrics(() => watchCaches.storeWatches);
  // The store may still be electing a leader: retry the bootstrap until it answers.
  for (let attempt = 1; ; attempt++) {
    try {
      await bootstrapCluster(objects, allocators, flags.advertiseAddress, flags.securePort);
      break;
    } catch (err) {
      if (attempt >= 60) throw err;
      log({ level: "warn", msg: "bootstrap failed, retrying", error: err instanceof Error ? err.message : String(err) });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  const crds = new CrdWatcher(objects, log);
  await crds.start();
  const server = createApiServer({
    cert: readFileSync(flags.tlsCertFile, "utf8"),
    key: readFileSync(flags.tlsPrivateKeyFile, "utf8"),
    clientCa: flags.clientCaFile === undefined ? undefined : readFileSync(flags.clientCaFile, "utf8"),
    authenticator: new Authenticator(tokens),
    storage,
    deps: {
      objects,
      watchCaches,
      metrics,
      kubelet:
        flags.kubeletClientCertificate !== undefined && flags.kubeletClientKey !== undefined
          ? { cert: readFileSync(flags.kubeletClientCertificate, "utf8"), key: readFileSync(flags.kubeletClientKey, "utf8") }
          : {},
    },
    metrics,
    advertised: `${flags.advertiseAddress}:${flags.securePort}`,
    log,
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(flags.securePort, flags.bindAddress, () => resolve());
  });
  log({ level: "info", msg: "serving", address: `https://${flags.bindAddress}:${flags.securePort}`, etcd: flags.etcdServers });
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      server.close();
      server.closeAllConnections();
      watchCaches.close();
      crds.close();
      storage.close();
      resolve();
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });
  return 0;
}
