// Starts `skiff controller-manager` as a real process (SchedulerProcess's
// log keeping, kill and terminate), with kube's --controllers to pick which
// controllers run.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SchedulerProcess } from "./scheduler.ts";

const repo = fileURLToPath(new URL("../..", import.meta.url));

export class ControllerManagerProcess extends SchedulerProcess {
  static launch(kubeconfig: string, args: string[] = []): ControllerManagerProcess {
    const proc = spawn(process.execPath, ["--import", "tsx", join(repo, "deploy/src/cli.ts"), "controller-manager", "--kubeconfig", kubeconfig, ...args], {
      cwd: repo,
      stdio: ["ignore", "pipe", "pipe"],
    });
    return new ControllerManagerProcess(proc);
  }
}
