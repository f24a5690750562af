// Service forwarding for real: a stand-in agent container (skiff/node-agent,
// NET_ADMIN) on this test's own sealed network gets the rules; pods started
// by the pod runtime route the service CIDR through it. A client pod's
// requests to a VIP are balanced over two demo-app pods, a VIP with no
// endpoint and an unknown VIP are refused, ClientIP affinity sticks, and a
// NodePort answers the host on the agent's IP. Nothing leaves the network.
import assert from "node:assert/strict";
import { realpathSync } from "node:fs";
import { request } from "node:http";
import { after, before, test } from "node:test";
import type { V1Endpoints, V1Service } from "@kubernetes/client-node";
import type Docker from "dockerode";
import { connectDocker } from "../../test/support/cluster-network.ts";
import { removeByLabel, testRunLabel } from "../../test/support/docker.ts";
import { ExecIptables } from "../../test/support/exec-iptables.ts";

import { execInContainer } from "../kubelet/runtime/exec.ts";
import { DockerPodRuntime, type RuntimePod } from "../kubelet/runtime/pod-runtime.ts";
import { Proxier } from "./proxier.ts";
import { startTestNode } from "../../test/support/test-node.ts";

const run = testRunLabel("proxy");
const labels = { [run.key]: run.value };
const nodeBinary = realpathSync(process.execPath);
let docker: Docker;
let agent: { id: string; ip: string };
let proxier: Proxier;
let iptables: ExecIptables;
let backends: RuntimePod[] = [];
let client: RuntimePod;
const nodePort = 30000 + Math.floor(Math.random() * 2000);
// VIPs in the network's service CIDR (see test/support/cluster-network.ts).
const vip = { web: "", empty: "", sticky: "", unknown: "" };
let serviceCidrOfTest = "";

before(async () => {
  docker = await connectDocker();
  await docker.getImage("skiff/demo-app:latest").inspect();
  const node = await startTestNode(docker, run, labels);
  const net = node.net;
  agent = node.agent;
  serviceCidrOfTest = net.serviceCidr;
  const base = net.serviceCidr.split("/")[0]!.split(".").slice(0, 3).join(".");
  const first = Number(net.serviceCidr.split("/")[0]!.split(".")[3]);
  Object.assign(vip, { web: `${base}.${first + 10}`, empty: `${base}.${first + 11}`, sticky: `${base}.${first + 12}`, unknown: `${base}.${first + 40}` });
  const runtime = await DockerPodRuntime.open(node.options);
  const start = async (name: string): Promise<RuntimePod> => {
    const r = await runtime.startPod({
      metadata: { name, namespace: "shop", uid: `${run.value}-${name}` },
      spec: { containers: [{ name: "app", image: "skiff/demo-app:latest", env: [{ name: "PORT", value: "8080" }] }] },
    });
    assert.equal(r.outcome, "running");
    return r.pod;
  };
  backends = [await start("web-a"), await start("web-b")];
  client = await start("client");
  iptables = new ExecIptables(docker, agent.id);
  // A rule of someone else's in the same table: the restores must keep it.
  assert.equal(await iptables.run(["-t", "nat", "-A", "POSTROUTING", "-m", "comment", "--comment", "not-ours", "-j", "RETURN"]), 0);
  proxier = new Proxier(iptables, { serviceCidr: net.serviceCidr, nodeIp: agent.ip });
  const service = (name: string, clusterIP: string, extra: Partial<NonNullable<V1Service["spec"]>> = {}): V1Service => ({
    metadata: { name, namespace: "shop" },
    spec: { clusterIP, ports: [{ port: 80, protocol: "TCP" }], ...extra },
  });
  const endpoints = (name: string, pods: RuntimePod[]): V1Endpoints => ({
    metadata: { name, namespace: "shop" },
    subsets: [{ addresses: pods.map((p) => ({ ip: p.podIp! })), ports: [{ port: 8080, protocol: "TCP" }] }],
  });
  await Promise.all([
    proxier.setService(service("web", vip.web, { type: "NodePort", ports: [{ port: 80, protocol: "TCP", nodePort }] })),
    proxier.setEndpoints(endpoints("web", backends)),
    proxier.setService(service("empty", vip.empty)),
    proxier.setEndpoints(endpoints("empty", [])),
    proxier.setService(service("sticky", vip.sticky, { sessionAffinity: "ClientIP" })),
    proxier.setEndpoints(endpoints("sticky", backends)),
  ]);
  // The demo apps take a moment to listen.
  for (const b of backends) {
    for (let i = 0; i < 100; i++) {
      const r = await fromClient(b.podIp!, 8080, 1);
      if (r.every((x) => x.startsWith("hostname="))) break;
      await new Promise((res) => setTimeout(res, 100));
    }
  }
});

after(async () => {
  if (docker !== undefined) await removeByLabel(docker, run.filter);
});

// Fresh connections (no keep-alive) from inside the client pod.
const script = `
const http = require("http");
const [ip, port, n] = process.argv.slice(1);
(async () => {
  for (let i = 0; i < Number(n); i++) {
    const line = await new Promise((resolve) => {
      const req = http.get({ host: ip, port: Number(port), path: "/", agent: false, timeout: 3000 }, (res) => {
        let body = "";
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve(body.trim().split(" ")[0]));
      });
      req.on("timeout", () => { req.destroy(); resolve("timeout"); });
      req.on("error", (e) => resolve(e.code || e.message));
    });
    console.log(line);
  }
})();`;

async function fromClient(ip: string, port: number, n: number): Promise<string[]> {
  const id = client.containers[0]!.id;
  const r = await execInContainer(docker, id, [nodeBinary, "-e", script, ip, String(port), String(n)], 60_000);
  assert.equal(r.exitCode, 0, r.stderr);
  return r.stdout.trim().split("\n");
}

const names = (): string[] => backends.map((b) => `hostname=${b.name}`).sort();

test("a ClusterIP balances over both ready endpoints", async () => {
  const answers = await fromClient(vip.web, 80, 30);
  assert.deepEqual([...new Set(answers)].sort(), names(), answers.join(","));
});

test("a VIP with no endpoint and an unknown VIP in the service CIDR are refused, not routed out", async () => {
  assert.deepEqual(await fromClient(vip.empty, 80, 1), ["ECONNREFUSED"]);
  assert.deepEqual(await fromClient(vip.unknown, 80, 1), ["ECONNREFUSED"]);
  assert.deepEqual(await fromClient(vip.web, 81, 1), ["ECONNREFUSED"], "a known VIP on an unknown port");
});

test("ClientIP session affinity keeps one client on one endpoint", async () => {
  const answers = await fromClient(vip.sticky, 80, 12);
  assert.equal(new Set(answers).size, 1, answers.join(","));
  assert.ok(names().includes(answers[0]!));
});

test("the NodePort answers the host on the agent's IP", async () => {
  const seen = new Set<string>();
  for (let i = 0; i < 30; i++) {
    const body = await new Promise<string>((resolve, reject) => {
      const req = request({ host: agent.ip, port: nodePort, path: "/", agent: false, timeout: 3000 }, (res) => {
        let text = "";
        res.on("data", (d: Buffer) => (text += d.toString()));
        res.on("end", () => resolve(text.trim().split(" ")[0]!));
      });
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", reject);
      req.end();
    });
    seen.add(body);
  }
  assert.deepEqual([...seen].sort(), names());
});

test("others' rules survive; an endpoint removed leaves the VIP on the other; a deleted service's chains go", async () => {
  const nat = await iptables.save("nat");
  assert.match(nat, /-A POSTROUTING -m comment --comment not-ours -j RETURN/, "a rule not ours is still there");
  await proxier.setEndpoints({
    metadata: { name: "web", namespace: "shop" },
    subsets: [{ addresses: [{ ip: backends[0]!.podIp! }], ports: [{ port: 8080, protocol: "TCP" }] }],
  });
  assert.deepEqual([...new Set(await fromClient(vip.web, 80, 10))], [`hostname=${backends[0]!.name}`]);
  const before = (nat.match(/^:SKIFF-(SVC|SEP)-/gm) ?? []).length;
  await Promise.all([proxier.deleteService("shop", "sticky"), proxier.deleteEndpoints("shop", "sticky")]);
  const after = ((await iptables.save("nat")).match(/^:SKIFF-(SVC|SEP)-/gm) ?? []).length;
  assert.equal(before - after, 3 + 1, "sticky's service chain and two endpoint chains gone; web lost one endpoint chain");
  assert.deepEqual(await fromClient(vip.sticky, 80, 1), ["ECONNREFUSED"]);
  const hooks = (await iptables.save("nat")).match(/^-A PREROUTING -j SKIFF-SERVICES$/gm) ?? [];
  assert.equal(hooks.length, 1);
});

test("a restarted proxy takes over the rules in place: one hook each, the VIP keeps answering", async () => {
  const restarted = new Proxier(iptables, { serviceCidr: serviceCidrOfTest, nodeIp: agent.ip });
  // Until its first write the old rules keep serving.
  assert.deepEqual([...new Set(await fromClient(vip.web, 80, 3))], [`hostname=${backends[0]!.name}`]);
  await Promise.all([
    restarted.setService({ metadata: { name: "web", namespace: "shop" }, spec: { clusterIP: vip.web, ports: [{ port: 80, protocol: "TCP" }] } }),
    restarted.setEndpoints({
      metadata: { name: "web", namespace: "shop" },
      subsets: [{ addresses: backends.map((b) => ({ ip: b.podIp! })), ports: [{ port: 8080, protocol: "TCP" }] }],
    }),
  ]);
  assert.equal(restarted.restores, 1);
  const nat = await iptables.save("nat");
  for (const hook of ["-A PREROUTING -j SKIFF-SERVICES", "-A OUTPUT -j SKIFF-SERVICES", "-A POSTROUTING -j SKIFF-POSTROUTING"]) {
    assert.equal(nat.split("\n").filter((l) => l === hook).length, 1, hook);
  }
  assert.doesNotMatch(nat, /NodePort|--dport 3\d{4}/, "the NodePort of the old web service is gone");
  assert.deepEqual([...new Set(await fromClient(vip.web, 80, 30))].sort(), names());
});
