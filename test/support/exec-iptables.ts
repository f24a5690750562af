// iptables in a test's own container (a stand-in node agent with
// NET_ADMIN), reached through the engine's exec: the rules go in through an
// environment variable, so the restore still reads them from stdin.
import type Docker from "dockerode";
import { execInContainer } from "../../node-agent/kubelet/runtime/exec.ts";
import { IptablesError, type Iptables } from "../../node-agent/proxy/iptables.ts";

export class ExecIptables implements Iptables {
  constructor(
    private readonly docker: Docker,
    private readonly containerId: string,
  ) {}

  async restore(text: string): Promise<void> {
    const r = await execInContainer(this.docker, this.containerId, ["/bin/sh", "-c", 'printf "%s" "$RULES" | iptables-restore --noflush -w 5'], 10_000, [`RULES=${text}`]);
    if (r.exitCode !== 0) throw new IptablesError(`iptables-restore failed (${r.exitCode}): ${r.stderr.trim()}`);
  }

  async run(args: string[]): Promise<number> {
    return (await execInContainer(this.docker, this.containerId, ["iptables", "-w", "5", ...args], 10_000)).exitCode ?? 1;
  }

  async save(table: "nat" | "filter"): Promise<string> {
    const r = await execInContainer(this.docker, this.containerId, ["iptables-save", "-t", table], 10_000);
    if (r.exitCode !== 0) throw new IptablesError(`iptables-save failed: ${r.stderr}`);
    return r.stdout;
  }
}
