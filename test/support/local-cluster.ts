// A whole cluster for end-to-end tests and benchmarks: a sealed network of
// its own, a 3-member store and the API server (listening on the network's
// bridge address, so node containers reach it), optionally the scheduler
// and the controller manager as host processes, and N skiff/node-agent
// containers, each with a /27 of the network's pod half. Everything it
// starts carries the run's label or the nodes' `skiff.node` label and is
// removed by stop(), even after a failure.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { V1Node } from "@kubernetes/client-node";
import type Docker from "dockerode";
import { AgentNode, kubeconfigFor } from "./agent-node.ts";
import { ApiServerProcess } from "./apiserver.ts";
import { connectDocker, createTestNetwork, type TestNetwork } from "./cluster-network.ts";
import { removeByLabel, testRunLabel } from "./docker.ts";
import { ensureNodeAgentImage } from "./node-agent-image.ts";
import { SchedulerProcess } from "./scheduler.ts";

const repo = fileURLToPath(new URL("../..", import.meta.url));

export interface LocalClusterOptions {
  name: string; // prefix of the run label and node names
  nodes: number; // at most 4 (a /27 of the network's .128/25 each)
  scheduler?: boolean;
  controllerManager?: boolean;
  /** Extra flags for the controller manager, from the network it got (e.g. --load-balancer-ip-range). */
  controllerManagerArgs?: (net: TestNetwork) => string[];
}

export class LocalCluster {
  readonly run: { key: string; value: string; filter: string };
  readonly labels: Record<string, string>;
  readonly nodeNames: string[];
  readonly nodes: AgentNode[] = [];
  docker!: Docker;
  net!: TestNetwork;
  api: ApiServerProcess | undefined;
  scheduler: SchedulerProcess | undefined;
  agentImage = "";
  private manager: ChildProcess | undefined;
  private readonly managerLog: string[] = [];

  private constructor(readonly options: LocalClusterOptions) {
    this.run = testRunLabel(options.name);
    this.labels = { [this.run.key]: this.run.value };
    this.nodeNames = Array.from({ length: options.nodes }, (_, i) => `${options.name}-${i + 1}-${this.run.value}`);
  }

  /** Starts everything; on failure stops what was started and rethrows. */
  static async start(options: LocalClusterOptions): Promise<LocalCluster> {
    const cluster = new LocalCluster(options);
    try {
      await cluster.launch();
      return cluster;
    } catch (err) {
      await cluster.stop();
      throw err;
    }
  }

  private async launch(): Promise<void> {
    this.docker = await connectDocker();
    this.agentImage = await ensureNodeAgentImage(this.docker);
    await this.docker.getImage("skiff/demo-app:latest").inspect();
    this.net = await createTestNetwork(this.docker, `skiff-${this.run.value}`, this.labels);
    this.api = await ApiServerProcess.start("skiff", { host: this.net.gateway, serviceCidr: this.net.serviceCidr });
    if (this.options.scheduler === true) this.scheduler = SchedulerProcess.start(this.api.kubeconfig, []);
    if (this.options.controllerManager === true) {
      const manager = spawn(process.execPath, ["--import", "tsx", join(repo, "deploy/src/cli.ts"), "controller-manager", "--kubeconfig", this.api.kubeconfig, ...(this.options.controllerManagerArgs?.(this.net) ?? [])], {
        cwd: repo,
        stdio: ["ignore", "pipe", "pipe"],
      });
      const keep = (b: Buffer): void => {
        this.managerLog.push(b.toString());
        if (this.managerLog.length > 300) this.managerLog.splice(0, this.managerLog.length - 300);
      };
      manager.stdout.on("data", keep);
      manager.stderr.on("data", keep);
      this.manager = manager;
    }
    const kubeconfig = kubeconfigFor(readFileSync(this.api.kubeconfig, "utf8"), this.api.url);
    const pods = this.prefix(this.net.podCidr);
    for (const [i, nodeName] of this.nodeNames.entries()) {
      const podCidr = `${pods}.${128 + 32 * i}/27`;
      this.nodes.push(await AgentNode.start(this.docker, { network: this.net.name, nodeName, kubeconfig, podCidr, serviceCidr: this.net.serviceCidr, labels: this.labels, image: this.agentImage }));
    }
  }

  /** The first three octets of a /24-or-smaller CIDR. */
  prefix(cidr: string): string {
    return cidr.split(".").slice(0, 3).join(".");
  }

  async waitNodesReady(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await this.api!.request("/api/v1/nodes");
      const items = r.status === 200 ? (JSON.parse(r.body) as { items: V1Node[] }).items : [];
      const ready = items.filter((n) => this.nodeNames.includes(n.metadata?.name ?? "") && n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
      if (ready.length === this.nodeNames.length) return;
      if (Date.now() > deadline) throw new Error(`nodes not Ready:\n${await this.diagnostics()}`);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }

  async diagnostics(): Promise<string> {
    const parts: string[] = [];
    for (const n of this.nodes) parts.push(`--- ${n.nodeName}\n${(await n.logs().catch(() => "")).slice(-1500)}`);
    parts.push(`--- controller-manager\n${this.managerLog.join("").slice(-1500)}`, `--- scheduler\n${this.scheduler?.output().slice(-1500) ?? ""}`);
    return parts.join("\n");
  }

  async stop(): Promise<void> {
    for (const n of this.nodes) n.cleanup();
    await this.scheduler?.kill();
    const proc = this.manager;
    if (proc !== undefined && proc.exitCode === null && proc.signalCode === null) {
      await new Promise<void>((resolve) => {
        proc.once("exit", () => resolve());
        proc.kill("SIGKILL");
      });
    }
    try {
      if (this.docker !== undefined) {
        // The agents first (alive, they would start pods again), then the
        // pods (they carry their node's label, not the run's), then the
        // network (it cannot go while they are attached).
        await removeByLabel(this.docker, this.run.filter).catch(() => undefined);
        for (const name of this.nodeNames) await removeByLabel(this.docker, `skiff.node=${name}`);
        await removeByLabel(this.docker, this.run.filter);
      }
    } finally {
      await this.api?.stop();
    }
  }
}
