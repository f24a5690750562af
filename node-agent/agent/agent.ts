// The node agent as one process: the node's registration and heartbeat,
// the kubelet pass over the pods bound here (list+watch with
// fieldSelector spec.nodeName), the Service proxy and the cluster DNS fed
// by list+watch of Services and Endpoints (and Nodes: which node announces
// a LoadBalancer's address, proxy/announcer.ts), ConfigMaps and Secrets for
// volumes and env. The kubelet pass runs on every pod change and at least
// every sync period (probes tick in it); it starts only once the pods are
// listed, so that a restarted agent adopts its running pods instead of
// removing them, and removes the containers of pods that no longer exist.
import { readFileSync } from "node:fs";
import type { Server } from "node:https";
import { hostname } from "node:os";
import type { KubeConfig, V1ConfigMap, V1Endpoints, V1Node, V1Pod, V1Secret, V1Service } from "@kubernetes/client-node";
import type Docker from "dockerode";
import type { ApiClient } from "../../proto/kube/api-client.ts";
import { Informer, type InformerEvent } from "../../proto/kube/informer.ts";
import { ClusterRecords } from "../dns/records.ts";
import { DnsServer } from "../dns/server.ts";
import { Kubelet } from "../kubelet/kubelet.ts";
import { containerLimits } from "../kubelet/node-status.ts";
import { DockerPodRuntime } from "../kubelet/runtime/pod-runtime.ts";
import { addressesFor, InterfaceAddresses, LoadBalancerAnnouncer } from "../proxy/announcer.ts";
import type { Iptables } from "../proxy/iptables.ts";
import { Proxier } from "../proxy/proxier.ts";
import { ApiStatusWriter } from "./api-status-writer.ts";
import type { AgentFlags } from "./flags.ts";
import { type AgentLog, errorText } from "./log.ts";
import { createLogServer } from "./log-server.ts";
import { statsSummary } from "../kubelet/stats-summary.ts";
import { NodeHeartbeat } from "./node-heartbeat.ts";
import { selfSignedCert } from "./serving-cert.ts";

export interface AgentDeps {
  docker: Docker;
  kc: KubeConfig;
  client: ApiClient;
  iptables: Iptables;
  log: AgentLog;
}

interface Self {
  id: string;
  network: string;
  ip: string;
  /** The network's gateway: the host, where clients from outside the cluster come from. */
  gateway: string | undefined;
}

// The agent's own container, its cluster network and its address there.
async function findSelf(docker: Docker, flags: AgentFlags): Promise<Self> {
  const info = await docker.getContainer(flags.agentContainer ?? hostname()).inspect();
  const networks = Object.keys(info.NetworkSettings.Networks);
  const network = flags.network ?? (networks.length === 1 ? networks[0] : undefined);
  if (network === undefined) throw new Error(`the agent is on ${networks.length} networks (${networks.join(", ")}): say which with --network`);
  const ip = flags.nodeIp ?? info.NetworkSettings.Networks[network]?.IPAddress;
  if (ip === undefined || ip === "") throw new Error(`the agent has no address on ${network}`);
  const gateway = info.NetworkSettings.Networks[network]?.Gateway;
  return { id: info.Id, network, ip, gateway: gateway === undefined || gateway === "" ? undefined : gateway };
}

export class Agent {
  private stopped = false;
  private kick: (() => void) | undefined;
  private kicked = false;
  private loopDone: Promise<void> = Promise.resolve();
  private dnsTimer: ReturnType<typeof setTimeout> | undefined;
  private logServer: Server | undefined;
  readonly passes = { count: 0, failures: 0 };

  private constructor(
    readonly flags: AgentFlags,
    readonly self: Self,
    private readonly deps: AgentDeps,
    readonly pods: Informer<V1Pod & { kind?: string }>,
    private readonly services: Informer<V1Service>,
    private readonly endpoints: Informer<V1Endpoints>,
    private readonly configMaps: Informer<V1ConfigMap>,
    private readonly secrets: Informer<V1Secret>,
    private readonly heartbeat: NodeHeartbeat,
    private readonly dns: DnsServer,
    readonly proxier: Proxier,
    readonly runtime: DockerPodRuntime,
    readonly kubelet: Kubelet,
    private readonly nodes: Informer<V1Node>,
    private readonly announcer: LoadBalancerAnnouncer,
  ) {}

  static async start(flags: AgentFlags, deps: AgentDeps): Promise<Agent> {
    const { docker, kc, client, log } = deps;
    const self = await findSelf(docker, flags);
    log.info("starting", { container: self.id.slice(0, 12), network: self.network, ip: self.ip, podCIDR: flags.podCidr });
    const onError = (path: string, err: unknown): void => log.warn("watch broken, restarting", { path, error: errorText(err) });
    const pods = new Informer<V1Pod>(kc, client, "/api/v1/pods", { fieldSelector: `spec.nodeName=${flags.nodeName}`, onError });
    const services = new Informer<V1Service>(kc, client, "/api/v1/services", { onError });
    const endpoints = new Informer<V1Endpoints>(kc, client, "/api/v1/endpoints", { onError });
    const configMaps = new Informer<V1ConfigMap>(kc, client, "/api/v1/configmaps", { onError });
    const secrets = new Informer<V1Secret>(kc, client, "/api/v1/secrets", { onError });
    const nodes = new Informer<V1Node>(kc, client, "/api/v1/nodes", { onError });

    const limits = await containerLimits();
    const heartbeat = new NodeHeartbeat(client, {
      node: {
        nodeName: flags.nodeName,
        internalIp: self.ip,
        limits: { cpuMillis: flags.cpuMillis ?? limits.cpuMillis, memoryBytes: flags.memoryBytes ?? limits.memoryBytes },
        maxPods: flags.maxPods,
        taints: flags.taints,
        labels: flags.labels,
        podCidr: flags.podCidr,
        dockerVersion: ((await docker.version()) as { Version?: string }).Version ?? "unknown",
      },
      leaseRenewMs: flags.leaseRenewMs,
      leaseDurationSeconds: flags.leaseDurationSeconds,
      statusUpdateMs: flags.statusUpdateMs,
      kubeletPort: flags.logPort,
      log,
    });

    const runtime = await DockerPodRuntime.open({
      docker,
      nodeName: flags.nodeName,
      network: self.network,
      podCidr: flags.podCidr,
      serviceCidr: flags.serviceCidr,
      hostIp: self.ip,
      infraImage: flags.infraImage,
      extraLabels: flags.containerLabels,
      agentContainer: self.id,
      dnsIp: self.ip,
      clusterDomain: flags.clusterDomain,
      ...(self.gateway !== undefined ? { viaNode: [self.gateway] } : {}),
      objects: { configMap: (ns, name) => configMaps.get(ns, name), secret: (ns, name) => secrets.get(ns, name) },
    });
    const kubelet = new Kubelet(runtime, new ApiStatusWriter(client));
    const proxier = new Proxier(deps.iptables, { serviceCidr: flags.serviceCidr, nodeIp: self.ip, nodeName: flags.nodeName });
    const announcer = new LoadBalancerAnnouncer(new InterfaceAddresses(self.ip), (err) => log.error("load balancer addresses failed", { error: errorText(err) }));
    const dns = new DnsServer(new ClusterRecords(flags.clusterDomain, [], []));
    const agent = new Agent(flags, self, deps, pods, services, endpoints, configMaps, secrets, heartbeat, dns, proxier, runtime, kubelet, nodes, announcer);
    await agent.run();
    return agent;
  }

  private async run(): Promise<void> {
    const { log } = this.deps;
    await this.dns.listen(this.self.ip, this.flags.dnsPort);
    await this.heartbeat.register();
    this.heartbeat.start();

    this.services.subscribe((e) => this.serviceChanged(e));
    this.endpoints.subscribe((e) => this.endpointsChanged(e));
    this.nodes.subscribe(() => this.scheduleDns());
    await Promise.all([this.services, this.endpoints, this.configMaps, this.secrets, this.nodes].map((i) => i.startAndSync()));
    // Rules for what exists now, even when nothing exists (the REJECTs and hooks).
    this.rebuildDns();
    await this.proxier.requestSync().catch((err: unknown) => log.error("proxy rules failed", { error: errorText(err) }));

    this.pods.subscribe(() => this.wake());
    this.configMaps.subscribe(() => this.wake());
    this.secrets.subscribe(() => this.wake());
    await this.pods.startAndSync();
    await this.serveLogs();
    log.info("ready", { pods: this.pods.list().length, services: this.services.list().length });
    this.loopDone = this.loop();
  }

  // The cluster CA (from the kubeconfig) vouches for the API server's kubelet client certificate.
  private async serveLogs(): Promise<void> {
    const cluster = this.deps.kc.getCurrentCluster();
    const clientCa = cluster?.caData !== undefined ? Buffer.from(cluster.caData, "base64").toString() : cluster?.caFile !== undefined ? readFileSync(cluster.caFile, "utf8") : undefined;
    if (clientCa === undefined) {
      this.deps.log.warn("no cluster CA in the kubeconfig: not serving logs");
      return;
    }
    const { cert, key } = await selfSignedCert(this.flags.nodeName, this.self.ip);
    const server = createLogServer({
      cert,
      key,
      clientCa,
      runtime: this.runtime,
      pod: (ns, name) => this.pods.get(ns, name),
      log: this.deps.log,
      metrics: this.kubelet.metrics.registry,
      statsSummary: () => statsSummary(this.deps.docker, this.flags.nodeName, this.self.id),
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.flags.logPort, this.self.ip, () => resolve());
    });
    this.logServer = server;
  }

  private serviceChanged(e: InformerEvent<V1Service>): void {
    const m = e.object.metadata ?? {};
    const done = e.type === "delete" ? this.proxier.deleteService(m.namespace ?? "", m.name ?? "") : this.proxier.setService(e.object);
    done.catch((err: unknown) => this.deps.log.error("proxy rules failed", { error: errorText(err) }));
    this.scheduleDns();
  }

  private endpointsChanged(e: InformerEvent<V1Endpoints>): void {
    const m = e.object.metadata ?? {};
    const done = e.type === "delete" ? this.proxier.deleteEndpoints(m.namespace ?? "", m.name ?? "") : this.proxier.setEndpoints(e.object);
    done.catch((err: unknown) => this.deps.log.error("proxy rules failed", { error: errorText(err) }));
    this.scheduleDns();
  }

  // Records are rebuilt whole; a burst of changes costs one rebuild.
  private scheduleDns(): void {
    if (this.dnsTimer !== undefined) return;
    this.dnsTimer = setTimeout(() => {
      this.dnsTimer = undefined;
      this.rebuildDns();
    }, 20);
  }

  private rebuildDns(): void {
    this.dns.update(new ClusterRecords(this.flags.clusterDomain, this.services.list(), this.endpoints.list()));
    void this.announcer.set(addressesFor(this.flags.nodeName, this.services.list(), this.endpoints.list(), this.nodes.list()));
  }

  private wake(): void {
    this.kicked = true;
    this.kick?.();
  }

  private async loop(): Promise<void> {
    const { log } = this.deps;
    while (!this.stopped) {
      this.kicked = false;
      let wakeAt: number | undefined;
      try {
        const result = await this.kubelet.pass(this.pods.list());
        wakeAt = result.wakeAt;
        this.passes.count++;
        if (result.removed.length > 0) log.info("removed pods no longer bound here", { uids: result.removed });
      } catch (err) {
        this.passes.failures++;
        log.warn("kubelet pass failed", { error: errorText(err) });
      }
      if (this.stopped || this.kicked) continue;
      const delay = Math.max(0, Math.min(this.flags.syncMs, (wakeAt ?? Infinity) - Date.now()));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.kick = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.kick = undefined;
    }
  }

  /** Stops watching and serving; pods keep running (a restarted agent adopts them). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.kick?.();
    this.heartbeat.stop();
    if (this.dnsTimer !== undefined) clearTimeout(this.dnsTimer);
    await this.loopDone;
    await Promise.all([this.pods, this.services, this.endpoints, this.configMaps, this.secrets, this.nodes].map((i) => i.stop()));
    await this.dns.close();
    const server = this.logServer;
    if (server !== undefined) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    this.deps.client.close();
  }
}
