import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Cidr, ServiceAllocators, parsePortRange } from "./allocators.ts";
import { ApiError } from "./errors.ts";
import type { Storage, StoredValue } from "./storage/storage.ts";

/** The part of a store the allocators use: create-if-absent, delete, list. */
function memoryStorage(): Storage {
  const keys = new Map<string, StoredValue>();
  let revision = 1;
  const unsupported = (): never => {
    throw new Error("not in this fake");
  };
  return {
    get: unsupported,
    update: unsupported,
    watch: unsupported,
    close: () => undefined,
    currentRevision: async () => revision,
    create: async (key, value) => {
      const current = keys.get(key);
      if (current !== undefined) return { ok: false, current };
      keys.set(key, { key, value, createRevision: ++revision, modRevision: revision });
      return { ok: true, revision };
    },
    delete: async (key) => {
      const previous = keys.get(key);
      if (previous === undefined) return { ok: false, current: undefined };
      keys.delete(key);
      return { ok: true, revision: ++revision, previous };
    },
    list: async (prefix) => {
      const items = [...keys.values()].filter((kv) => kv.key.startsWith(prefix)).sort((a, b) => (a.key < b.key ? -1 : 1));
      return { items, revision, more: false, remaining: 0 };
    },
  };
}

test("CIDRs and port ranges", () => {
  const c = new Cidr("10.96.0.0/16");
  assert.equal(c.size, 65536);
  assert.equal(c.address(1), "10.96.0.1");
  assert.equal(c.address(258), "10.96.1.2");
  assert.equal(c.offsetOf("10.96.1.2"), 258);
  assert.equal(c.offsetOf("10.97.0.0"), -1);
  assert.equal(new Cidr("10.1.2.3/24").address(0), "10.1.2.0");
  assert.throws(() => new Cidr("10.0.0.0/33"));
  assert.deepEqual(parsePortRange("30000-32767"), { min: 30000, max: 32767 });
  assert.throws(() => parsePortRange("5-1"));
});

type Op = { kind: "ip" | "port"; action: "alloc" | "release" | "request"; pick: number };

test("property: allocations never collide, requests succeed exactly when free, releases free values", async () => {
  const op = fc.record({ kind: fc.constantFrom("ip" as const, "port" as const), action: fc.constantFrom("alloc" as const, "release" as const, "request" as const), pick: fc.nat(20) });
  await fc.assert(
    fc.asyncProperty(fc.array(op, { maxLength: 60 }), fc.integer(), async (ops: Op[], seed) => {
      let s = seed;
      const random = (): number => {
        s = (s * 1103515245 + 12345) % 2147483648;
        return Math.abs(s) / 2147483648;
      };
      // A /28 has 14 usable offsets: 2..14 for Services (1 is the kubernetes Service); ports 30000-30009.
      const a = new ServiceAllocators(memoryStorage(), new Cidr("10.0.0.0/28"), { min: 30000, max: 30009 }, random);
      const ips = new Set<string>();
      const ports = new Set<number>();
      for (const o of ops) {
        if (o.kind === "ip") {
          const live = [...ips];
          if (o.action === "alloc") {
            try {
              const ip = await a.allocateClusterIp(undefined);
              assert.ok(!ips.has(ip), `ip ${ip} handed out twice`);
              assert.ok(new Cidr("10.0.0.0/28").offsetOf(ip) >= 2 && new Cidr("10.0.0.0/28").offsetOf(ip) <= 14);
              ips.add(ip);
            } catch (err) {
              assert.ok(err instanceof ApiError && ips.size === 13, "the range is full only when every address is taken");
            }
          } else if (o.action === "release" && live.length > 0) {
            const ip = live[o.pick % live.length]!;
            await a.releaseClusterIp(ip);
            ips.delete(ip);
          } else if (o.action === "request") {
            const ip = `10.0.0.${2 + (o.pick % 13)}`;
            const ok = await a.allocateClusterIp(ip).then(
              () => true,
              () => false,
            );
            assert.equal(ok, !ips.has(ip));
            ips.add(ip);
          }
        } else {
          const live = [...ports];
          if (o.action === "alloc") {
            try {
              const port = await a.allocateNodePort(undefined);
              assert.ok(!ports.has(port) && port >= 30000 && port <= 30009);
              ports.add(port);
            } catch (err) {
              assert.ok(err instanceof ApiError && ports.size === 10);
            }
          } else if (o.action === "release" && live.length > 0) {
            const port = live[o.pick % live.length]!;
            await a.releaseNodePort(port);
            ports.delete(port);
          } else if (o.action === "request") {
            const port = 30000 + (o.pick % 12);
            const ok = await a.allocateNodePort(port).then(
              () => true,
              () => false,
            );
            assert.equal(ok, port <= 30009 && !ports.has(port));
            if (ok) ports.add(port);
          }
        }
      }
    }),
    { numRuns: 200 },
  );
});

test("concurrent allocations on one store get distinct values", async () => {
  const a = new ServiceAllocators(memoryStorage(), new Cidr("10.0.0.0/27"), { min: 30000, max: 30040 });
  const ips = await Promise.all(Array.from({ length: 29 }, () => a.allocateClusterIp(undefined)));
  assert.equal(new Set(ips).size, 29);
  await assert.rejects(a.allocateClusterIp(undefined), ApiError);
});
