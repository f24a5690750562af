// Load balancer addresses on the cluster network, as MetalLB's layer-2 mode
// and k3s's ServiceLB give them: one Ready node per Service holds the
// address as a secondary address of its cluster interface (so the bridge's
// ARP finds it) and its proxy rules DNAT it to the endpoints. Every agent
// computes the same choice from the same objects (rendezvous hashing over
// the Ready nodes, only nodes with a ready local endpoint when
// externalTrafficPolicy is Local), so no election is needed: when a node
// stops being Ready, the others pick the next one and it takes the address.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import type { V1Endpoints, V1Node, V1Service } from "@kubernetes/client-node";

export interface AddressOps {
  /** The load balancer addresses this node holds now. */
  list(): Promise<string[]>;
  add(ip: string): Promise<void>;
  remove(ip: string): Promise<void>;
}

const isReady = (n: V1Node): boolean => n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
const score = (node: string, service: string): string => createHash("sha256").update(`${node}/${service}`).digest("hex");

/** The node that announces a Service's load balancer address, among the candidates. */
export function announcer(serviceKey: string, candidates: string[]): string | undefined {
  let best: { node: string; score: string } | undefined;
  for (const node of candidates) {
    const s = score(node, serviceKey);
    if (best === undefined || s > best.score || (s === best.score && node < best.node)) best = { node, score: s };
  }
  return best?.node;
}

/** The load balancer addresses `nodeName` must hold. */
export function addressesFor(nodeName: string, services: V1Service[], endpoints: V1Endpoints[], nodes: V1Node[]): Set<string> {
  const ready = nodes.filter(isReady).map((n) => n.metadata?.name ?? "").filter((n) => n !== "");
  const byKey = new Map(endpoints.map((e) => [`${e.metadata?.namespace ?? ""}/${e.metadata?.name ?? ""}`, e]));
  const out = new Set<string>();
  for (const svc of services) {
    if (svc.spec?.type !== "LoadBalancer") continue;
    const key = `${svc.metadata?.namespace ?? ""}/${svc.metadata?.name ?? ""}`;
    let candidates = ready;
    if (svc.spec.externalTrafficPolicy === "Local") {
      const withEndpoint = new Set((byKey.get(key)?.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.nodeName ?? "")));
      candidates = ready.filter((n) => withEndpoint.has(n));
    }
    if (announcer(key, candidates) !== nodeName) continue;
    for (const ing of svc.status?.loadBalancer?.ingress ?? []) if (ing.ip !== undefined && ing.ip !== "") out.add(ing.ip);
  }
  return out;
}

/** Brings the node's addresses to what it must hold; one pass at a time, the latest wish wins. */
export class LoadBalancerAnnouncer {
  private wanted = new Set<string>();
  private running: Promise<void> | undefined;
  private again = false;
  // What the last successful pass left in place: the same wish again is a no-op.
  private applied: string | undefined;

  constructor(
    private readonly ops: AddressOps,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  set(addresses: Set<string>): Promise<void> {
    this.wanted = addresses;
    this.again = true;
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
      // A wish that came in after the last pass looked.
      if (this.again) void this.set(this.wanted);
    });
    return this.running;
  }

  private async drain(): Promise<void> {
    while (this.again) {
      this.again = false;
      const wish = [...this.wanted].sort().join(",");
      if (wish === this.applied) continue;
      try {
        await this.apply(new Set(this.wanted));
        this.applied = wish;
      } catch (err) {
        this.applied = undefined;
        this.onError(err);
      }
    }
  }

  private async apply(wanted: Set<string>): Promise<void> {
    const held = new Set(await this.ops.list());
    for (const ip of held) if (!wanted.has(ip)) await this.ops.remove(ip);
    for (const ip of wanted) if (!held.has(ip)) await this.ops.add(ip);
  }
}

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("/bin/busybox", args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/**
 * The agent's own interface (the one holding its node IP), through busybox
 * `ip`. Load balancer addresses are the /32s on it: the node IP itself
 * carries the network's prefix.
 */
export class InterfaceAddresses implements AddressOps {
  private device: string | undefined;

  constructor(private readonly nodeIp: string) {}

  private async addresses(): Promise<{ device: string; cidr: string }[]> {
    const r = await run(["ip", "-o", "-4", "addr", "show"]);
    if (r.code !== 0) throw new Error(`ip addr show failed: ${r.stderr.trim()}`);
    // "2: eth0    inet 10.1.2.3/24 brd 10.1.2.255 scope global eth0"
    return [...r.stdout.matchAll(/^\d+:\s+(\S+)\s+inet\s+(\S+)/gm)].map((m) => ({ device: m[1]!.replace(/@.*$/, ""), cidr: m[2]! }));
  }

  private async dev(): Promise<string> {
    if (this.device === undefined) {
      const own = (await this.addresses()).find((a) => a.cidr.split("/")[0] === this.nodeIp);
      if (own === undefined) throw new Error(`no interface holds ${this.nodeIp}`);
      this.device = own.device;
    }
    return this.device;
  }

  async list(): Promise<string[]> {
    const dev = await this.dev();
    return (await this.addresses()).filter((a) => a.device === dev && a.cidr.endsWith("/32")).map((a) => a.cidr.split("/")[0]!);
  }

  async add(ip: string): Promise<void> {
    const dev = await this.dev();
    const r = await run(["ip", "addr", "add", `${ip}/32`, "dev", dev]);
    if (r.code !== 0 && !/exists/i.test(r.stderr)) throw new Error(`ip addr add ${ip} failed: ${r.stderr.trim()}`);
    // Gratuitous ARP: neighbours that knew the address on another node learn it moved.
    await run(["arping", "-U", "-c", "1", "-I", dev, "-s", ip, ip]).catch(() => undefined);
  }

  async remove(ip: string): Promise<void> {
    const dev = await this.dev();
    const r = await run(["ip", "addr", "del", `${ip}/32`, "dev", dev]);
    if (r.code !== 0 && !/cannot assign|not found|no such/i.test(r.stderr)) throw new Error(`ip addr del ${ip} failed: ${r.stderr.trim()}`);
  }
}
