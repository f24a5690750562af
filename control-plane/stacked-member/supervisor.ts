// Keeps a set of child processes running, as a control-plane machine's
// kubelet keeps its static pods running: a child that exits is started again
// after a back-off that doubles (and resets once the child has stayed up for
// a while). stop() sends SIGTERM to every child and SIGKILL to those still
// alive after the grace period.
import { type ChildProcess, spawn } from "node:child_process";
import type { Logger } from "../logger.ts";

export interface ChildSpec {
  /** The name in logs, e.g. "store". */
  name: string;
  command: string;
  args: string[];
}

export interface Backoff {
  initialMs: number;
  maxMs: number;
  /** A child that ran this long before exiting restarts after initialMs again. */
  resetAfterMs: number;
}

export const defaultBackoff: Backoff = { initialMs: 500, maxMs: 10_000, resetAfterMs: 30_000 };

interface Running {
  spec: ChildSpec;
  proc: ChildProcess | undefined;
  startedAt: number;
  delayMs: number;
  restartTimer: NodeJS.Timeout | undefined;
  starts: number;
  exited: Promise<void>;
}

export class Supervisor {
  private readonly children: Running[];
  private stopping = false;

  constructor(
    specs: ChildSpec[],
    private readonly log: Logger,
    private readonly backoff: Backoff = defaultBackoff,
  ) {
    this.children = specs.map((spec) => ({
      spec,
      proc: undefined,
      startedAt: 0,
      delayMs: backoff.initialMs,
      restartTimer: undefined,
      starts: 0,
      exited: Promise.resolve(),
    }));
  }

  start(): void {
    for (const child of this.children) this.launch(child);
  }

  /** How often each child has been started, by name. */
  starts(): Record<string, number> {
    return Object.fromEntries(this.children.map((c) => [c.spec.name, c.starts]));
  }

  /** The process id of a running child, by name. */
  pid(name: string): number | undefined {
    return this.children.find((c) => c.spec.name === name)?.proc?.pid;
  }

  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    for (const child of this.children) {
      clearTimeout(child.restartTimer);
      child.proc?.kill("SIGTERM");
    }
    const killer = setTimeout(() => {
      for (const child of this.children) {
        if (child.proc !== undefined) {
          this.log.warn("child did not stop in time; killing it", { child: child.spec.name, graceMs });
          child.proc.kill("SIGKILL");
        }
      }
    }, graceMs);
    await Promise.all(this.children.map((c) => c.exited));
    clearTimeout(killer);
  }

  private launch(child: Running): void {
    if (this.stopping) return;
    const { spec } = child;
    const proc = spawn(spec.command, spec.args, { stdio: ["ignore", "inherit", "inherit"] });
    child.proc = proc;
    child.startedAt = Date.now();
    child.starts += 1;
    this.log.info("started", { child: spec.name, pid: proc.pid, starts: child.starts });
    child.exited = new Promise((resolve) => {
      proc.once("error", (err) => this.log.error("cannot start child", { child: spec.name, error: err.message }));
      proc.once("close", (code, signal) => {
        child.proc = undefined;
        resolve();
        if (this.stopping) return;
        const ranMs = Date.now() - child.startedAt;
        if (ranMs >= this.backoff.resetAfterMs) child.delayMs = this.backoff.initialMs;
        this.log.warn("child exited; restarting", { child: spec.name, code, signal, ranMs, restartInMs: child.delayMs });
        child.restartTimer = setTimeout(() => this.launch(child), child.delayMs);
        child.delayMs = Math.min(child.delayMs * 2, this.backoff.maxMs);
      });
    });
  }
}
