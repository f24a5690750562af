// `skiff store [etcd flags]`: runs one member of the replicated store.
import { createLogger } from "../logger.ts";
import { type MetricsServer, serveMetrics } from "../metrics-server.ts";
import { FlagError, parseStoreFlags, storeUsage } from "./flags.ts";
import { startClientServer } from "./grpc/client-server.ts";
import { StoreMember } from "./member/store-member.ts";

export async function runStore(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(storeUsage());
    return 0;
  }
  let flags;
  try {
    flags = parseStoreFlags(argv);
  } catch (err) {
    if (err instanceof FlagError) {
      process.stderr.write(`skiff store: ${err.message}\n\n${storeUsage()}`);
      return 2;
    }
    throw err;
  }
  const logger = createLogger("store", { fields: { name: flags.name } });
  let exit: (code: number) => void = () => {};
  const exited = new Promise<number>((resolve) => (exit = resolve));
  let member: StoreMember;
  try {
    member = await StoreMember.start(flags, logger, (err) => {
      logger.error("fatal error; stopping", { error: err.message });
      exit(1);
    });
  } catch (err) {
    if (err instanceof FlagError) {
      process.stderr.write(`skiff store: ${err.message}\n`);
      return 2;
    }
    logger.error("could not start", { error: err instanceof Error ? err.message : String(err) });
    return 1;
  }
  let server;
  try {
    server = await startClientServer(member, flags.listenClientUrls);
  } catch (err) {
    logger.error("could not serve clients", { error: err instanceof Error ? err.message : String(err) });
    await member.stop();
    return 1;
  }
  logger.info("serving client requests", { urls: flags.listenClientUrls.map((u) => u.href) });
  const metricsServers: MetricsServer[] = [];
  try {
    for (const url of flags.listenMetricsUrls) {
      if (url.protocol !== "http:") throw new Error(`--listen-metrics-urls: only http is supported (got ${url.href})`);
      metricsServers.push(await serveMetrics(member.metrics.registry, url.hostname.replace(/^\[(.*)\]$/, "$1"), Number(url.port)));
    }
  } catch (err) {
    logger.error("could not serve metrics", { error: err instanceof Error ? err.message : String(err) });
    await Promise.all(metricsServers.map((s) => s.close()));
    await member.stop();
    server.forceShutdown();
    return 1;
  }
  if (metricsServers.length > 0) logger.info("serving metrics", { urls: flags.listenMetricsUrls.map((u) => `${u.origin}/metrics`) });
  const stop = (): void => exit(0);
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  // A member removed from the cluster stops itself; the process goes with it, as etcd's does.
  const code = await Promise.race([exited, member.done.then(() => 0)]);
  process.off("SIGTERM", stop);
  process.off("SIGINT", stop);
  // Asked to stop (not failed): hand leadership over first, while peers still hear us.
  await member.stop({ transferLeadership: code === 0 });
  server.forceShutdown();
  await Promise.all(metricsServers.map((s) => s.close()));
  return code;
}
