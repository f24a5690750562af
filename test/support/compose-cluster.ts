// A copy of the root docker-compose.yml cluster for one test file: its own
// compose project, its own /16 (SKIFF_NET, 10.100-119), its own credentials
// dir, every Docker object labelled with the run (SKIFF_TEST_RUN), and the
// helpers the cluster tests share: kubectl (1.32 or 1.20) against one member,
// the Lease holders, plain HTTP to a node, a machine's container.
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { get } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type Docker from "dockerode";
import { buildBundles, bundles } from "../../deploy/build/build.ts";
import { connectDocker } from "../../deploy/images/docker-engine.ts";
import { ensureImages, missingBundles } from "../../deploy/images/images.ts";
import { kubectl132 } from "./apiserver.ts";
import { removeByLabel, testRunLabel } from "./docker.ts";

const repo = fileURLToPath(new URL("../..", import.meta.url));

export interface Run {
  status: number;
  out: string;
}

/** GET over HTTP from the host on a new connection (a kept-alive one stays with one pod), to an address of the test's own cluster network. */
export function httpGet(url: string, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get(url, { timeout: timeoutMs, agent: false }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve(body));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on("error", reject);
  });
}

export class ComposeCluster {
  readonly run;
  readonly project = `skifftest${process.pid}`;
  readonly certs = mkdtempSync(join(tmpdir(), "skiff-compose-certs-"));
  net = "";
  private dockerClient: Docker | undefined;

  constructor(prefix: string) {
    this.run = testRunLabel(prefix);
  }

  get docker(): Docker {
    if (this.dockerClient === undefined) throw new Error("the compose cluster is not started");
    return this.dockerClient;
  }

  compose(args: string[]): Run {
    const r = spawnSync("docker-compose", ["-p", this.project, "-f", `${repo}/docker-compose.yml`, ...args], {
      env: { ...process.env, SKIFF_NET: this.net, SKIFF_CERTS: this.certs, SKIFF_TEST_RUN: this.run.value },
      encoding: "utf8",
      timeout: 120_000,
    });
    return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
  }

  /** Builds what is missing and brings the cluster up on a free /16. */
  async up(): Promise<void> {
    this.dockerClient = await connectDocker();
    if (missingBundles(repo).length > 0) await buildBundles(repo, bundles.filter((b) => !b.outfile.endsWith("skiff.mjs")));
    await ensureImages({ docker: this.dockerClient });
    // A /16 of its own (10.100-119), away from the 10.77 a user's cluster
    // takes and the ranges other tests pick.
    for (let attempt = 0; attempt < 5; attempt++) {
      this.net = `10.${100 + Math.floor(Math.random() * 20)}`;
      const up = this.compose(["up", "-d"]);
      if (up.status === 0) return;
      if (!/overlap|Pool/.test(up.out)) throw new Error(`docker-compose up failed:\n${up.out}`);
      this.compose(["down", "-v"]);
    }
    throw new Error("no free subnet for the compose test");
  }

  /** Removes everything of the run, even when up() failed half-way. */
  async down(): Promise<void> {
    if (this.net !== "") this.compose(["down", "-v", "--timeout", "5"]);
    if (this.dockerClient !== undefined) await removeByLabel(this.dockerClient, this.run.filter);
    rmSync(this.certs, { recursive: true, force: true });
  }

  /** The address of member s<i> (i = 1..3) or, with "n", of node n<i>. */
  ip(machine: string): string {
    const i = Number(machine.slice(1));
    return `${this.net}.0.${machine.startsWith("s") ? 10 + i : 100 + i}`;
  }

  /** kubectl (1.32 unless another binary is given) with the cluster's kubeconfig, against one member's API server. */
  kubectl(member: string, args: string[], opts: { binary?: string; input?: string; timeoutMs?: number } = {}): Run {
    const r = spawnSync(opts.binary ?? kubectl132, ["--kubeconfig", join(this.certs, "kubeconfig"), `--server=https://${this.ip(member)}:6443`, "--request-timeout=5s", ...args], {
      encoding: "utf8",
      input: opts.input,
      timeout: opts.timeoutMs ?? 20_000,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: this.certs },
    });
    return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
  }

  /** kubectl without blocking the event loop (a load loop in the test process keeps running meanwhile). */
  kubectlAsync(member: string, args: string[], binary = kubectl132): Promise<Run> {
    return new Promise((resolve) => {
      execFile(
        binary,
        ["--kubeconfig", join(this.certs, "kubeconfig"), `--server=https://${this.ip(member)}:6443`, "--request-timeout=5s", ...args],
        { encoding: "utf8", timeout: 20_000, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: this.certs } },
        (err, stdout, stderr) => resolve({ status: err === null ? 0 : typeof err.code === "number" ? err.code : -1, out: `${stdout}${stderr}` }),
      );
    });
  }

  /** The member (s1..s3) whose process holds a kube-system Lease, from its holder identity "<hostname>_<uuid>"; "" when unknown. */
  leaseHolder(via: string, lease: string): string {
    const r = this.kubectl(via, ["-n", "kube-system", "get", "lease", lease, "-o", "jsonpath={.spec.holderIdentity}"]);
    return r.status === 0 ? (r.out.split("_")[0] ?? "") : "";
  }

  /** The container of a compose service (s1, n2), running or not. */
  async container(service: string): Promise<Docker.Container> {
    const list = await this.docker.listContainers({ all: true, filters: { label: [`com.docker.compose.project=${this.project}`, `com.docker.compose.service=${service}`] } });
    const c = list[0];
    if (c === undefined) throw new Error(`no container for ${service}`);
    return this.docker.getContainer(c.Id);
  }

  /** The store's client endpoints of the given members (all three by default). */
  endpoints(members = ["s1", "s2", "s3"]): string {
    return members.map((m) => `${this.ip(m)}:2379`).join(",");
  }

  async waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms\n${this.compose(["logs", "--tail=20"]).out}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}
