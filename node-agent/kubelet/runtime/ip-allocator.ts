// Pod IPs from the node's pod CIDR, as a host-local IPAM: the network and
// broadcast addresses and the first host address (a gateway by convention)
// are never given out. State is rebuilt from the infra containers' labels
// after a restart (`restore`), so the allocator itself keeps nothing on disk.
import { RuntimeError } from "./errors.ts";

export function ipToInt(ip: string): number {
  const parts = ip.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`invalid IPv4 address ${ip}`);
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

export function parseCidr(cidr: string): { base: number; bits: number; size: number } {
  const [ip, bitsText] = cidr.split("/");
  const bits = Number(bitsText);
  if (ip === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) throw new Error(`invalid CIDR ${cidr}`);
  const size = 2 ** (32 - bits);
  const base = ipToInt(ip) - (ipToInt(ip) % size);
  return { base, bits, size };
}

export function cidrContains(cidr: string, ip: string): boolean {
  const { base, size } = parseCidr(cidr);
  const n = ipToInt(ip);
  return n >= base && n < base + size;
}

export class IpAllocator {
  private readonly first: number;
  private readonly last: number;
  private readonly owners = new Map<number, string>();
  private next: number;

  constructor(readonly podCidr: string) {
    const { base, size } = parseCidr(podCidr);
    if (size < 8) throw new Error(`pod CIDR ${podCidr} is too small`);
    this.first = base + 2;
    this.last = base + size - 2;
    this.next = this.first;
  }

  // Gives `owner` (a pod uid) an address; the same owner keeps its address.
  // Addresses are handed out round-robin so a released one is not reused at
  // once (stale conntrack entries and ARP caches point at it for a while).
  allocate(owner: string): string {
    for (const [n, o] of this.owners) if (o === owner) return intToIp(n);
    const count = this.last - this.first + 1;
    for (let i = 0; i < count; i++) {
      const candidate = this.first + ((this.next - this.first + i) % count);
      if (!this.owners.has(candidate)) {
        this.owners.set(candidate, owner);
        this.next = candidate + 1 > this.last ? this.first : candidate + 1;
        return intToIp(candidate);
      }
    }
    throw new RuntimeError("NoPodIp", `no free address in pod CIDR ${this.podCidr}`);
  }

  // Marks an address found on a running pod as taken (after a restart).
  restore(owner: string, ip: string): void {
    const n = ipToInt(ip);
    if (n < this.first || n > this.last) throw new Error(`${ip} is outside the pod range of ${this.podCidr}`);
    const current = this.owners.get(n);
    if (current !== undefined && current !== owner) throw new Error(`${ip} is held by ${current}, not ${owner}`);
    this.owners.set(n, owner);
  }

  release(owner: string): void {
    for (const [n, o] of this.owners) if (o === owner) this.owners.delete(n);
  }

  inUse(): Map<string, string> {
    return new Map([...this.owners].map(([n, o]) => [intToIp(n), o]));
  }
}
