// How rules reach a network namespace: `iptables-restore --noflush` with
// the whole change set on stdin, and single `iptables` calls only for the
// hooks. The agent runs them in its own namespace (LocalIptables); tests run
// them in a container of theirs through the engine's exec.
import { spawn } from "node:child_process";

export interface Iptables {
  restore(text: string): Promise<void>;
  // Runs `iptables <args>` and returns its exit code.
  run(args: string[]): Promise<number>;
  save(table: "nat" | "filter"): Promise<string>;
}

export class IptablesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IptablesError";
  }
}

function exec(cmd: string, args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    // A command that does not read stdin (or fails early) closes the pipe:
    // EPIPE here is not the outcome, the exit code is.
    child.stdin.on("error", () => {});
    child.on("close", (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
    child.stdin.end(stdin ?? "");
  });
}

export class LocalIptables implements Iptables {
  async restore(text: string): Promise<void> {
    // -w: wait for the xtables lock rather than fail beside another writer.
    const r = await exec("iptables-restore", ["--noflush", "-w", "5"], text);
    if (r.code !== 0) throw new IptablesError(`iptables-restore failed (${r.code}): ${r.stderr.trim()}`);
  }

  async run(args: string[]): Promise<number> {
    return (await exec("iptables", ["-w", "5", ...args])).code;
  }

  async save(table: "nat" | "filter"): Promise<string> {
    const r = await exec("iptables-save", ["-t", table]);
    if (r.code !== 0) throw new IptablesError(`iptables-save failed (${r.code}): ${r.stderr.trim()}`);
    return r.stdout;
  }
}
