// Real nodes for tests: skiff/node-agent containers running `skiff agent`
// against a test's API server, on the test's sealed network, as a cluster's
// nodes run. In "image" mode the agent is the container's entrypoint (a
// killed container is a lost machine); in "exec" mode the container idles
// and the agent runs as an exec'd process, so a test can stop and restart
// the agent alone, with its pods (in the container's PID namespace) alive.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Docker from "dockerode";
import { nodeBinary } from "../../deploy/images/images.ts";
import { execInContainer } from "../../node-agent/kubelet/runtime/exec.ts";
import { demuxLogs } from "./docker.ts";
import { nodeAgentImage } from "./node-agent-image.ts";

export interface AgentNodeOptions {
  network: string;
  nodeName: string;
  kubeconfig: string; // its text, with a server address the container can reach
  podCidr: string;
  serviceCidr: string;
  labels: Record<string, string>;
  flags?: string[];
  mode?: "image" | "exec";
  image?: string; // the agent's (and pods' infra) image; ensureNodeAgentImage's pinned tag
}

export class AgentNode {
  private constructor(
    private readonly docker: Docker,
    readonly id: string,
    readonly ip: string,
    readonly nodeName: string,
    private readonly command: string[],
    private readonly dir: string,
    readonly mode: "image" | "exec",
  ) {}

  static async start(docker: Docker, o: AgentNodeOptions): Promise<AgentNode> {
    const dir = mkdtempSync(join(tmpdir(), "skiff-agent-"));
    writeFileSync(join(dir, "kubeconfig"), o.kubeconfig);
    const mode = o.mode ?? "image";
    const flags = [
      "--kubeconfig=/etc/skiff/kubeconfig",
      `--node-name=${o.nodeName}`,
      `--pod-cidr=${o.podCidr}`,
      `--service-cidr=${o.serviceCidr}`,
      `--network=${o.network}`,
      ...(o.image !== undefined ? [`--pod-infra-container-image=${o.image}`] : []),
      ...(o.flags ?? []),
    ];
    const container = await docker.createContainer({
      Image: o.image ?? nodeAgentImage,
      name: `${o.nodeName}`,
      ...(mode === "exec" ? { Entrypoint: ["/bin/busybox", "sleep", "1000000"] } : { Cmd: flags }),
      Labels: o.labels,
      HostConfig: {
        NetworkMode: o.network,
        CapAdd: ["NET_ADMIN"],
        Binds: ["/var/run/docker.sock:/var/run/docker.sock", `${dir}:/etc/skiff:ro`],
        Sysctls: { "net.ipv4.ip_forward": "1", "net.ipv4.conf.all.send_redirects": "0", "net.ipv4.conf.eth0.send_redirects": "0" },
      },
    });
    await container.start();
    const info = await container.inspect();
    const ip = info.NetworkSettings.Networks[o.network]?.IPAddress ?? "";
    const node = new AgentNode(docker, container.id, ip, o.nodeName, [nodeBinary, "/skiff/node-agent.mjs", ...flags], dir, mode);
    if (mode === "exec") await node.startAgent();
    return node;
  }

  /** exec mode: starts the agent process (its pid in /run/agent.pid, its log appended to /run/agent.log). */
  async startAgent(): Promise<void> {
    const quoted = this.command.map((a) => `'${a}'`).join(" ");
    const exec = await this.docker.getContainer(this.id).exec({ Cmd: ["/bin/busybox", "sh", "-c", `echo $$ > /run/agent.pid; exec ${quoted} >> /run/agent.log 2>&1`] });
    const started = (await exec.start({ Detach: true })) as unknown;
    if (started !== null && typeof started === "object" && "destroy" in started) (started as { destroy(): void }).destroy();
  }

  /** exec mode: SIGTERM to the agent process; resolves once it has exited. */
  async stopAgent(): Promise<void> {
    const script = "p=$(cat /run/agent.pid); kill $p; for i in $(seq 1 100); do kill -0 $p 2>/dev/null || exit 0; sleep 0.1; done; exit 1";
    const r = await execInContainer(this.docker, this.id, ["/bin/busybox", "sh", "-c", script], 15_000);
    if (r.exitCode !== 0) throw new Error(`agent did not stop: ${r.stderr}`);
  }

  async logs(): Promise<string> {
    if (this.mode === "exec") return (await execInContainer(this.docker, this.id, ["/bin/busybox", "cat", "/run/agent.log"], 5000)).stdout;
    const buf = (await this.docker.getContainer(this.id).logs({ stdout: true, stderr: true, tail: 200 })) as unknown as Buffer;
    const { stdout, stderr } = demuxLogs(buf);
    return stdout + stderr;
  }

  exec(cmd: string[], timeoutMs = 15_000): ReturnType<typeof execInContainer> {
    return execInContainer(this.docker, this.id, cmd, timeoutMs);
  }

  /** Runs a script with the agent image's node (e.g. an HTTP request or a DNS query from the node). */
  node(script: string, ...args: string[]): ReturnType<typeof execInContainer> {
    return this.exec([nodeBinary, "-e", script, ...args]);
  }

  /** Removes the temp dir; the container goes with the test run's label. */
  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The kubeconfig text with its server replaced (containers reach the apiserver on the bridge address). */
export function kubeconfigFor(text: string, server: string): string {
  return text.replace(/server: .*/, `server: ${server}`);
}
