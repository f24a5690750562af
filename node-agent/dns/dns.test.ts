// Cluster DNS over real UDP and TCP on loopback: Node's resolver (c-ares)
// for A, SRV, CNAME and NXDOMAIN, the search path as a client applies it,
// a raw TCP query, and truncation to TCP for a large answer.
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { Resolver } from "node:dns/promises";
import { connect } from "node:net";
import { after, before, test } from "node:test";
import type { V1Endpoints, V1Service } from "@kubernetes/client-node";
import dnsPacket from "dns-packet";
import { ClusterRecords } from "./records.ts";
import { podDns, resolvConf } from "./resolv-conf.ts";
import { DnsServer } from "./server.ts";

const services: V1Service[] = [
  { metadata: { name: "web", namespace: "shop" }, spec: { clusterIP: "10.96.0.10", ports: [{ name: "http", port: 80, protocol: "TCP" }] } },
  { metadata: { name: "db", namespace: "shop" }, spec: { clusterIP: "None", ports: [{ name: "pg", port: 5432 }] } },
  { metadata: { name: "ext", namespace: "shop" }, spec: { type: "ExternalName", externalName: "web.shop.svc.cluster.local" } },
  { metadata: { name: "big", namespace: "shop" }, spec: { clusterIP: "None" } },
];
const endpoints: V1Endpoints[] = [
  {
    metadata: { name: "db", namespace: "shop" },
    subsets: [{ addresses: [{ ip: "10.244.1.3" }, { ip: "10.244.2.4", hostname: "db-0" }], notReadyAddresses: [{ ip: "10.244.1.9" }], ports: [{ name: "pg", port: 5432 }] }],
  },
  { metadata: { name: "big", namespace: "shop" }, subsets: [{ addresses: Array.from({ length: 40 }, (_, i) => ({ ip: `10.244.3.${i + 2}` })) }] },
];

const server = new DnsServer(new ClusterRecords("cluster.local", services, endpoints));
let port = 0;
const resolver = new Resolver({ timeout: 2000, tries: 1 });

before(async () => {
  port = await server.listen("127.0.0.1", 0);
  resolver.setServers([`127.0.0.1:${port}`]);
});

after(async () => {
  await server.close();
});

test("A for a ClusterIP service; pod IPs (ready only) for a headless one, each also by name", async () => {
  assert.deepEqual(await resolver.resolve4("web.shop.svc.cluster.local"), ["10.96.0.10"]);
  assert.deepEqual((await resolver.resolve4("db.shop.svc.cluster.local")).sort(), ["10.244.1.3", "10.244.2.4"]);
  assert.deepEqual(await resolver.resolve4("10-244-1-3.db.shop.svc.cluster.local"), ["10.244.1.3"]);
  assert.deepEqual(await resolver.resolve4("db-0.db.shop.svc.cluster.local"), ["10.244.2.4"]);
});

test("SRV for named ports", async () => {
  assert.deepEqual(await resolver.resolveSrv("_http._tcp.web.shop.svc.cluster.local"), [{ name: "web.shop.svc.cluster.local", port: 80, priority: 0, weight: 100 }]);
  const db = (await resolver.resolveSrv("_pg._tcp.db.shop.svc.cluster.local")).map((r) => `${r.name}:${r.port}`).sort();
  assert.deepEqual(db, ["10-244-1-3.db.shop.svc.cluster.local:5432", "db-0.db.shop.svc.cluster.local:5432"]);
});

test("CNAME for ExternalName; the A records too when the target is a cluster name, the CNAME alone when it is outside", async () => {
  assert.deepEqual(await resolver.resolveCname("ext.shop.svc.cluster.local"), ["web.shop.svc.cluster.local"]);
  assert.deepEqual(await resolver.resolve4("ext.shop.svc.cluster.local"), ["10.96.0.10"]);
  const outside = new ClusterRecords("cluster.local", [{ metadata: { name: "mail", namespace: "shop" }, spec: { type: "ExternalName", externalName: "mail.example.org." } }], []);
  assert.deepEqual(outside.lookup("mail.shop.svc.cluster.local", "A"), {
    rcode: "NOERROR",
    authoritative: true,
    answers: [{ type: "CNAME", name: "mail.shop.svc.cluster.local", ttl: 5, data: "mail.example.org" }],
  });
});

test("NXDOMAIN for unknown names, inside and outside the cluster domain", async () => {
  await assert.rejects(resolver.resolve4("nope.shop.svc.cluster.local"), (e: NodeJS.ErrnoException) => e.code === "ENOTFOUND");
  await assert.rejects(resolver.resolve4("example.com"), (e: NodeJS.ErrnoException) => e.code === "ENOTFOUND");
  // An existing name without records of the type asked is NODATA, not NXDOMAIN.
  await assert.rejects(resolver.resolve6("web.shop.svc.cluster.local"), (e: NodeJS.ErrnoException) => e.code === "ENODATA");
});

test("the search path, applied as a client does (ndots:5): `web` from a pod in shop", async () => {
  const dns = podDns({ metadata: { namespace: "shop" }, spec: { containers: [] } }, "10.77.0.21");
  assert.equal(resolvConf(dns!), "nameserver 10.77.0.21\nsearch shop.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n");
  const tried: string[] = [];
  let found: string[] | undefined;
  for (const suffix of dns!.searches) {
    tried.push(`web.${suffix}`);
    try {
      found = await resolver.resolve4(`web.${suffix}`);
      break;
    } catch {
      // next search domain
    }
  }
  assert.deepEqual(found, ["10.96.0.10"]);
  assert.deepEqual(tried, ["web.shop.svc.cluster.local"]);
  const other = await resolver.resolve4("web.shop.svc.cluster.local");
  assert.deepEqual(other, ["10.96.0.10"], "the `web.shop` form resolves via svc.cluster.local");
  assert.equal(podDns({ metadata: {}, spec: { containers: [], dnsPolicy: "Default" } }, "x"), undefined);
  assert.deepEqual(podDns({ metadata: {}, spec: { containers: [], dnsPolicy: "None", dnsConfig: { nameservers: ["1.2.3.4"], options: [{ name: "ndots", value: "2" }] } } }, "x"), {
    nameservers: ["1.2.3.4"],
    searches: [],
    options: ["ndots:2"],
  });
});

test("TCP queries are answered, framed by length", async () => {
  const query = dnsPacket.streamEncode({ type: "query", id: 4242, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: "A", name: "web.shop.svc.cluster.local" }] });
  const reply = await new Promise<Buffer>((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port }, () => socket.write(query));
    let buf = Buffer.alloc(0);
    socket.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        socket.end();
        resolve(buf);
      }
    });
    socket.on("error", reject);
  });
  const packet = dnsPacket.streamDecode(reply) as dnsPacket.DecodedPacket;
  assert.equal(packet.id, 4242);
  assert.equal(packet.flag_aa, true);
  assert.deepEqual(
    packet.answers?.map((a) => [a.type, a.name, (a as { data: unknown }).data]),
    [["A", "web.shop.svc.cluster.local", "10.96.0.10"]],
  );
});

test("a large answer is truncated over UDP and complete over TCP", async () => {
  // 40 A records do not fit in 512 bytes: c-ares retries over TCP.
  const udp = createSocket("udp4");
  const reply = await new Promise<Buffer>((resolve) => {
    udp.once("message", (msg) => resolve(msg));
    udp.send(dnsPacket.encode({ type: "query", id: 7, questions: [{ type: "A", name: "big.shop.svc.cluster.local" }] }), port, "127.0.0.1");
  });
  udp.close();
  const truncated = dnsPacket.decode(reply);
  assert.equal(truncated.flag_tc, true);
  assert.equal(truncated.answers?.length, 0);
  const ips = await resolver.resolve4("big.shop.svc.cluster.local");
  assert.equal(ips.length, 40);
});
