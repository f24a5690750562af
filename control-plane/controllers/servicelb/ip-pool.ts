// The addresses a LoadBalancer may get: an inclusive IPv4 range written
// "a.b.c.d-a.b.c.e" (or one address, or a CIDR), as MetalLB's and k3s's
// pools are written.
export class IpPool {
  private constructor(
    private readonly first: number,
    private readonly last: number,
  ) {}

  static parse(text: string): IpPool {
    const range = text.trim();
    const slash = range.indexOf("/");
    if (slash >= 0) {
      const bits = Number(range.slice(slash + 1));
      if (!Number.isInteger(bits) || bits < 16 || bits > 32) throw new Error(`load balancer range ${text}: a CIDR needs a prefix of /16 to /32`);
      const size = 2 ** (32 - bits);
      const base = Math.floor(toNumber(range.slice(0, slash)) / size) * size;
      return new IpPool(base, base + size - 1);
    }
    const [from, to] = range.split("-");
    const first = toNumber(from ?? "");
    const last = to === undefined ? first : toNumber(to);
    if (last < first) throw new Error(`load balancer range ${text}: the last address is before the first`);
    if (last - first > 65535) throw new Error(`load balancer range ${text}: more than 65536 addresses`);
    return new IpPool(first, last);
  }

  contains(ip: string): boolean {
    if (!isIpv4(ip)) return false;
    const n = toNumber(ip);
    return n >= this.first && n <= this.last;
  }

  /** The lowest address of the pool not in `used`. */
  firstFree(used: ReadonlySet<string>): string | undefined {
    for (let n = this.first; n <= this.last; n++) {
      const ip = toText(n);
      if (!used.has(ip)) return ip;
    }
    return undefined;
  }

  get size(): number {
    return this.last - this.first + 1;
  }
}

const isIpv4 = (ip: string): boolean => /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(ip) && ip.split(".").every((p) => Number(p) <= 255);

function toNumber(ip: string): number {
  if (!isIpv4(ip)) throw new Error(`not an IPv4 address: "${ip}"`);
  return ip.split(".").reduce((n, p) => n * 256 + Number(p), 0);
}

function toText(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}
