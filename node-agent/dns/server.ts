// The node's DNS server, UDP and TCP on one address and port. Answers come
// from the current ClusterRecords (swapped whole when objects change).
// Names outside the cluster domain get NXDOMAIN: the cluster network is
// sealed, so there is no upstream to ask. UDP answers over 512 bytes (no
// EDNS) are truncated with TC set, and the client retries over TCP.
import { createSocket, type Socket } from "node:dgram";
import { createServer, type Server } from "node:net";
import dnsPacket from "dns-packet";
import type { ClusterRecords } from "./records.ts";

const rcodeNumbers = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4 } as const;

export function answer(records: ClusterRecords, query: Buffer): Buffer {
  let request: dnsPacket.DecodedPacket;
  try {
    request = dnsPacket.decode(query);
  } catch {
    // Not DNS: answer with FORMERR when an id can be read, else nothing.
    if (query.length < 2) return Buffer.alloc(0);
    return dnsPacket.encode({ type: "response", id: query.readUInt16BE(0), flags: 1 });
  }
  const question = request.questions?.[0];
  const rd = request.flag_rd ? dnsPacket.RECURSION_DESIRED : 0;
  if (question === undefined || (request.questions?.length ?? 0) > 1) {
    return dnsPacket.encode({ type: "response", id: request.id ?? 0, flags: rd | 1, questions: request.questions ?? [] });
  }
  const result = records.lookup(question.name, question.type);
  const flags = rd | (result.authoritative ? dnsPacket.AUTHORITATIVE_ANSWER : 0) | rcodeNumbers[result.rcode];
  const soa: dnsPacket.Answer = {
    type: "SOA",
    name: records.domain,
    ttl: 5,
    data: { mname: `ns.dns.${records.domain}`, rname: `hostmaster.${records.domain}`, serial: 1, refresh: 7200, retry: 1800, expire: 86400, minimum: 5 },
  };
  return dnsPacket.encode({
    type: "response",
    id: request.id ?? 0,
    flags,
    questions: [question],
    answers: result.answers as dnsPacket.Answer[],
    authorities: result.answers.length === 0 && result.authoritative ? [soa] : [],
  });
}

function truncateForUdp(response: Buffer): Buffer {
  if (response.length <= 512) return response;
  const packet = dnsPacket.decode(response);
  return dnsPacket.encode({ ...packet, flags: (packet.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE, answers: [], authorities: [], additionals: [] });
}

export class DnsServer {
  private udp: Socket | undefined;
  private tcp: Server | undefined;

  constructor(private records: ClusterRecords) {}

  update(records: ClusterRecords): void {
    this.records = records;
  }

  // Port 0 picks a free UDP port and serves TCP on the same number.
  async listen(host: string, port: number): Promise<number> {
    const udp = createSocket(host.includes(":") ? "udp6" : "udp4");
    udp.on("message", (msg, rinfo) => {
      const out = truncateForUdp(answer(this.records, msg));
      if (out.length > 0) udp.send(out, rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve, reject) => {
      udp.once("error", reject);
      udp.bind(port, host, () => resolve());
    });
    this.udp = udp;
    const tcp = createServer((socket) => {
      let buffered = Buffer.alloc(0);
      socket.on("data", (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
          const size = buffered.readUInt16BE(0);
          const out = answer(this.records, buffered.subarray(2, 2 + size));
          buffered = buffered.subarray(2 + size);
          const framed = Buffer.alloc(2 + out.length);
          framed.writeUInt16BE(out.length, 0);
          out.copy(framed, 2);
          socket.write(framed);
        }
      });
      socket.on("error", () => socket.destroy());
      socket.setTimeout(10_000, () => socket.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      tcp.once("error", reject);
      tcp.listen(udp.address().port, host, () => resolve());
    });
    this.tcp = tcp;
    return udp.address().port;
  }

  async close(): Promise<void> {
    const udp = this.udp;
    const tcp = this.tcp;
    this.udp = undefined;
    this.tcp = undefined;
    if (udp !== undefined) await new Promise<void>((resolve) => udp.close(() => resolve()));
    if (tcp !== undefined) await new Promise<void>((resolve) => tcp.close(() => resolve()));
  }
}
