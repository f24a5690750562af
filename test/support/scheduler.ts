// Starts `skiff scheduler` (or, with startCommand, `skiff controller-manager`)
// as a real process and reads its structured logs.
// kill() is SIGKILL (a crash), terminate() is SIGTERM (a clean stop).
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { profileArgs } from "./profile.ts";

const repo = fileURLToPath(new URL("../..", import.meta.url));

export class SchedulerProcess {
  private readonly lines: string[] = [];
  private readonly exited: Promise<number>;

  protected constructor(private readonly proc: ChildProcess) {
    let partial = "";
    const keep = (b: Buffer): void => {
      partial += b.toString();
      const parts = partial.split("\n");
      partial = parts.pop() ?? "";
      this.lines.push(...parts);
      if (this.lines.length > 2000) this.lines.splice(0, this.lines.length - 2000);
    };
    proc.stdout?.on("data", keep);
    proc.stderr?.on("data", keep);
    this.exited = new Promise((resolve) => proc.once("exit", (code, signal) => resolve(code ?? (signal === null ? -1 : 128))));
  }

  static start(kubeconfig: string, args: string[]): SchedulerProcess {
    return SchedulerProcess.startCommand("scheduler", kubeconfig, args);
  }

  static startCommand(command: "scheduler" | "controller-manager", kubeconfig: string, args: string[]): SchedulerProcess {
    const proc = spawn(process.execPath, [...profileArgs(), "--import", "tsx", join(repo, "deploy/src/cli.ts"), command, "--kubeconfig", kubeconfig, ...args], {
      cwd: repo,
      stdio: ["ignore", "pipe", "pipe"],
    });
    return new SchedulerProcess(proc);
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  output(): string {
    return this.lines.slice(-60).join("\n");
  }

  private logs(): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    for (const line of this.lines) {
      try {
        out.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not one of ours
      }
    }
    return out;
  }

  /** The leader election identity, from any of its log lines ("" before it has logged). */
  identity(): string {
    const found = this.logs().find((l) => typeof l.identity === "string");
    return (found?.identity as string | undefined) ?? "";
  }

  /** Whether it has started scheduling (as leader, or without leader election). */
  isScheduling(): boolean {
    return this.hasLogged("scheduling");
  }

  hasLogged(msg: string): boolean {
    return this.logs().some((l) => l.msg === msg);
  }

  running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** SIGKILL, as a crash; resolves once it has exited. */
  async kill(): Promise<void> {
    if (this.running()) this.proc.kill("SIGKILL");
    await this.exited;
  }

  /** SIGTERM, a clean stop; resolves with the exit code. */
  async terminate(): Promise<number> {
    if (this.running()) this.proc.kill("SIGTERM");
    return this.exited;
  }
}
