// ClusterIP and NodePort allocation. Each allocated value is a key in the
// store written with create-if-absent, so two creates (even on two
// apiservers) never get the same value; delete releases it.
import { ApiError, invalid } from "./errors.ts";
import type { Storage } from "./storage/storage.ts";

export class Cidr {
  readonly base: number;
  readonly size: number;

  constructor(readonly text: string) {
    const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(text);
    if (m === null) throw new Error(`invalid CIDR ${JSON.stringify(text)}`);
    const bits = Number(m[5]);
    const octets = m.slice(1, 5).map(Number);
    if (bits < 8 || bits > 30 || octets.some((o) => o > 255)) throw new Error(`invalid CIDR ${JSON.stringify(text)}: prefix must be /8 to /30`);
    const addr = octets.reduce((a, o) => a * 256 + o, 0);
    this.size = 2 ** (32 - bits);
    this.base = addr - (addr % this.size);
  }

  /** The n-th address (0 is the network address). */
  address(n: number): string {
    const a = this.base + n;
    return [a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join(".");
  }

  /** The offset of ip in the range, or -1. */
  offsetOf(ip: string): number {
    const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
    if (m === null) return -1;
    const a = m.slice(1, 5).map(Number).reduce((x, o) => x * 256 + o, 0);
    const off = a - this.base;
    return off >= 0 && off < this.size ? off : -1;
  }
}

export function parsePortRange(text: string): { min: number; max: number } {
  const m = /^(\d+)-(\d+)$/.exec(text);
  if (m === null || Number(m[1]) > Number(m[2]) || Number(m[2]) > 65535) throw new Error(`invalid port range ${JSON.stringify(text)}`);
  return { min: Number(m[1]), max: Number(m[2]) };
}

const enc = new TextEncoder();

/** Picks values from a range and claims them in the store. */
class RangeAllocator<T extends string | number> {
  constructor(
    private readonly storage: Storage,
    private readonly prefix: string,
    private readonly count: number,
    private readonly valueAt: (i: number) => T,
    private readonly first: number,
    private readonly random: () => number,
  ) {}

  async claim(value: T): Promise<boolean> {
    const r = await this.storage.create(`${this.prefix}${value}`, enc.encode(String(value)));
    return r.ok;
  }

  async release(value: T): Promise<void> {
    await this.storage.delete(`${this.prefix}${value}`);
  }

  /** A free value: random probes first, then a scan from a random start. */
  async allocate(): Promise<T | undefined> {
    const n = this.count - this.first;
    if (n <= 0) return undefined;
    for (let i = 0; i < 8; i++) {
      const v = this.valueAt(this.first + Math.floor(this.random() * n));
      if (await this.claim(v)) return v;
    }
    const used = new Set((await this.storage.list(this.prefix)).items.map((kv) => kv.key.slice(this.prefix.length)));
    const start = Math.floor(this.random() * n);
    for (let i = 0; i < n; i++) {
      const v = this.valueAt(this.first + ((start + i) % n));
      if (used.has(String(v))) continue;
      if (await this.claim(v)) return v;
    }
    return undefined;
  }
}

export class ServiceAllocators {
  private readonly ips: RangeAllocator<string>;
  private readonly ports: RangeAllocator<number>;

  constructor(
    storage: Storage,
    readonly serviceCidr: Cidr,
    readonly nodePorts: { min: number; max: number },
    random: () => number = Math.random,
  ) {
    // Offset 0 is the network address, 1 the `kubernetes` Service; the last is broadcast.
    this.ips = new RangeAllocator(storage, "/registry/ranges/serviceips/", serviceCidr.size - 1, (i) => serviceCidr.address(i), 2, random);
    this.ports = new RangeAllocator(storage, "/registry/ranges/servicenodeports/", nodePorts.max - nodePorts.min + 1, (i) => nodePorts.min + i, 0, random);
  }

  /** The address of the `kubernetes` Service. */
  get apiServiceIp(): string {
    return this.serviceCidr.address(1);
  }

  async allocateClusterIp(requested: string | undefined): Promise<string> {
    if (requested !== undefined) {
      const off = this.serviceCidr.offsetOf(requested);
      if (off <= 0 || off >= this.serviceCidr.size - 1) {
        throw invalid("Service", "", "", [{ reason: "FieldValueInvalid", field: "spec.clusterIPs", message: `Invalid value: ${JSON.stringify([requested])}: failed to allocate IP ${requested}: the provided IP (${requested}) is not in the valid range. The range of valid IPs is ${this.serviceCidr.text}` }]);
      }
      if (!(await this.ips.claim(requested))) {
        throw invalid("Service", "", "", [{ reason: "FieldValueInvalid", field: "spec.clusterIPs", message: `Invalid value: ${JSON.stringify([requested])}: failed to allocate IP ${requested}: provided IP is already allocated` }]);
      }
      return requested;
    }
    const ip = await this.ips.allocate();
    if (ip === undefined) throw new ApiError(500, "InternalError", `Internal error occurred: failed to allocate a serviceIP: range is full`);
    return ip;
  }

  releaseClusterIp(ip: string): Promise<void> {
    return this.ips.release(ip);
  }

  async allocateNodePort(requested: number | undefined): Promise<number> {
    if (requested !== undefined) {
      if (requested < this.nodePorts.min || requested > this.nodePorts.max) {
        throw invalid("Service", "", "", [{ reason: "FieldValueInvalid", field: "spec.ports[0].nodePort", message: `Invalid value: ${requested}: provided port is not in the valid range. The range of valid ports is ${this.nodePorts.min}-${this.nodePorts.max}` }]);
      }
      if (!(await this.ports.claim(requested))) {
        throw invalid("Service", "", "", [{ reason: "FieldValueInvalid", field: "spec.ports[0].nodePort", message: `Invalid value: ${requested}: provided port is already allocated` }]);
      }
      return requested;
    }
    const port = await this.ports.allocate();
    if (port === undefined) throw new ApiError(500, "InternalError", "Internal error occurred: failed to allocate a nodePort: range is full");
    return port;
  }

  releaseNodePort(port: number): Promise<void> {
    return this.ports.release(port);
  }

  /** Claims the `kubernetes` Service address; true if it was free. */
  claimApiServiceIp(): Promise<boolean> {
    return this.ips.claim(this.apiServiceIp);
  }
}
