import assert from "node:assert/strict";
import { test } from "node:test";
import type { V1Endpoints, V1Service } from "@kubernetes/client-node";
import { endpointChain, externalChain, renderRules, serviceChain, servicePorts } from "./rules.ts";

const config = { serviceCidr: "10.96.0.0/16", nodeIp: "10.77.0.21" };

function svc(name: string, spec: V1Service["spec"]): V1Service {
  return { metadata: { name, namespace: "shop" }, spec };
}
function eps(name: string, ready: string[], notReady: string[] = [], portName?: string): V1Endpoints {
  return {
    metadata: { name, namespace: "shop" },
    subsets: [{ addresses: ready.map((ip) => ({ ip })), notReadyAddresses: notReady.map((ip) => ({ ip })), ports: [{ port: 8080, protocol: "TCP", ...(portName !== undefined ? { name: portName } : {}) }] }],
  };
}

test("service ports pair with ready endpoints by port name; headless and ExternalName have none", () => {
  const ports = servicePorts(
    [
      svc("web", { clusterIP: "10.96.0.10", type: "NodePort", ports: [{ name: "http", port: 80, nodePort: 30080 }] }),
      svc("headless", { clusterIP: "None", ports: [{ port: 80 }] }),
      svc("ext", { type: "ExternalName", externalName: "example.test" }),
      svc("dns", { clusterIP: "10.96.0.53", ports: [{ name: "dns", port: 53, protocol: "UDP" }] }),
    ],
    [eps("web", ["10.244.1.3", "10.244.1.2"], ["10.244.1.9"], "http"), eps("headless", ["10.244.1.5"])],
  );
  assert.deepEqual(ports, [
    { name: "shop/dns:dns", protocol: "udp", clusterIp: "10.96.0.53", port: 53, endpoints: [] },
    {
      name: "shop/web:http",
      protocol: "tcp",
      clusterIp: "10.96.0.10",
      port: 80,
      nodePort: 30080,
      endpoints: [
        { ip: "10.244.1.2", port: 8080 },
        { ip: "10.244.1.3", port: 8080 },
      ],
    },
  ]);
});

test("kube-proxy's shape: SERVICES → SVC → SEP with statistic probabilities, masquerade mark, nodeports, rejects", () => {
  const ports = servicePorts(
    [
      svc("web", { clusterIP: "10.96.0.10", type: "NodePort", ports: [{ port: 80, nodePort: 30080 }] }),
      svc("empty", { clusterIP: "10.96.0.11", type: "NodePort", ports: [{ port: 80, nodePort: 30081 }] }),
    ],
    [eps("web", ["10.244.1.2", "10.244.1.3", "10.244.1.4"])],
  );
  const web = ports.find((p) => p.name === "shop/web")!;
  const svcChain = serviceChain(web);
  const [a, b, c] = web.endpoints.map((e) => endpointChain(web, e));
  assert.match(svcChain, /^SKIFF-SVC-[A-Z2-7]{16}$/);
  assert.ok(svcChain.length <= 28);
  const { text, chains } = renderRules(ports, config);
  const expected = [
    "*nat",
    ":SKIFF-SERVICES - [0:0]",
    ":SKIFF-NODEPORTS - [0:0]",
    ":SKIFF-POSTROUTING - [0:0]",
    ":SKIFF-MARK-MASQ - [0:0]",
    ...[svcChain, a, b, c].sort().map((x) => `:${x} - [0:0]`),
    "-A SKIFF-MARK-MASQ -j MARK --or-mark 0x4000",
    "-A SKIFF-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN",
    "-A SKIFF-POSTROUTING -j MARK --xor-mark 0x4000",
    '-A SKIFF-POSTROUTING -m comment --comment "skiff service traffic requiring SNAT" -j MASQUERADE',
    `-A SKIFF-SERVICES -d 10.96.0.10/32 -p tcp -m tcp --dport 80 -m comment --comment "shop/web cluster IP" -j ${svcChain}`,
    `-A SKIFF-NODEPORTS -p tcp -m tcp --dport 30080 -m comment --comment "shop/web" -j ${svcChain}`,
    `-A ${svcChain} -m comment --comment "shop/web" -j SKIFF-MARK-MASQ`,
    `-A ${svcChain} -m comment --comment "shop/web" -m statistic --mode random --probability 0.3333333333 -j ${a}`,
    `-A ${svcChain} -m comment --comment "shop/web" -m statistic --mode random --probability 0.5000000000 -j ${b}`,
    `-A ${svcChain} -m comment --comment "shop/web" -j ${c}`,
    `-A ${a} -m comment --comment "shop/web" -p tcp -m tcp -j DNAT --to-destination 10.244.1.2:8080`,
    `-A ${b} -m comment --comment "shop/web" -p tcp -m tcp -j DNAT --to-destination 10.244.1.3:8080`,
    `-A ${c} -m comment --comment "shop/web" -p tcp -m tcp -j DNAT --to-destination 10.244.1.4:8080`,
    '-A SKIFF-SERVICES -d 10.77.0.21/32 -m comment --comment "skiff service nodeports" -j SKIFF-NODEPORTS',
    "COMMIT",
    "*filter",
    ":SKIFF-SERVICES - [0:0]",
    '-A SKIFF-SERVICES -d 10.96.0.11/32 -p tcp -m tcp --dport 80 -m comment --comment "shop/empty has no endpoints" -j REJECT --reject-with icmp-port-unreachable',
    '-A SKIFF-SERVICES -d 10.77.0.21/32 -p tcp -m tcp --dport 30081 -m comment --comment "shop/empty has no endpoints" -j REJECT --reject-with icmp-port-unreachable',
    '-A SKIFF-SERVICES -d 10.96.0.0/16 -m comment --comment "unknown service IP or port" -j REJECT --reject-with icmp-port-unreachable',
    "COMMIT",
    "",
  ];
  assert.deepEqual(text.split("\n"), expected);
  assert.deepEqual([...chains].sort(), [svcChain, a, b, c].sort());
});

test("ClientIP affinity: recent checks before the random pick, recent set on DNAT", () => {
  const ports = servicePorts(
    [svc("sticky", { clusterIP: "10.96.0.12", sessionAffinity: "ClientIP", sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } }, ports: [{ port: 80 }] })],
    [eps("sticky", ["10.244.1.2", "10.244.1.3"])],
  );
  const p = ports[0]!;
  const [a, b] = p.endpoints.map((e) => endpointChain(p, e));
  const lines = renderRules(ports, config).text.split("\n");
  const svcLines = lines.filter((l) => l.startsWith(`-A ${serviceChain(p)} `));
  assert.deepEqual(svcLines.slice(1, 3), [
    `-A ${serviceChain(p)} -m comment --comment "shop/sticky" -m recent --name ${a} --mask 255.255.255.255 --rsource --rcheck --seconds 60 --reap -j ${a}`,
    `-A ${serviceChain(p)} -m comment --comment "shop/sticky" -m recent --name ${b} --mask 255.255.255.255 --rsource --rcheck --seconds 60 --reap -j ${b}`,
  ]);
  assert.ok(lines.includes(`-A ${a} -m comment --comment "shop/sticky" -p tcp -m recent --name ${a} --mask 255.255.255.255 --rsource --set -m tcp -j DNAT --to-destination 10.244.1.2:8080`));
});

test("chains no longer needed are flushed and deleted in the same restore", () => {
  const { text } = renderRules([], config, new Set(["SKIFF-SVC-AAAAAAAAAAAAAAAA", "SKIFF-SEP-BBBBBBBBBBBBBBBB"]));
  const lines = text.split("\n");
  assert.ok(lines.includes(":SKIFF-SVC-AAAAAAAAAAAAAAAA - [0:0]"));
  assert.ok(lines.indexOf("-X SKIFF-SEP-BBBBBBBBBBBBBBBB") < lines.indexOf("COMMIT"));
  assert.ok(lines.includes("-X SKIFF-SVC-AAAAAAAAAAAAAAAA"));
});

test("LoadBalancer addresses are DNATed like the cluster IP; externalTrafficPolicy Local sends NodePort and LB traffic to local endpoints unmasqueraded, and drops it on a node without one", () => {
  const lb = (name: string, etp: string, ip: string, nodePort: number): V1Service => ({
    metadata: { name, namespace: "shop" },
    spec: { clusterIP: `10.96.0.${nodePort - 30000}`, type: "LoadBalancer", externalTrafficPolicy: etp, ports: [{ port: 80, nodePort }] },
    status: { loadBalancer: { ingress: [{ ip }] } },
  });
  const endpoints = (name: string): V1Endpoints => ({
    metadata: { name, namespace: "shop" },
    subsets: [{ addresses: [{ ip: "10.244.1.2", nodeName: "n1" }, { ip: "10.244.2.2", nodeName: "n2" }], ports: [{ port: 8080, protocol: "TCP" }] }],
  });
  const services = [lb("cluster", "Cluster", "10.77.0.200", 30001), lb("local", "Local", "10.77.0.201", 30002)];
  const onN1 = servicePorts(services, [endpoints("cluster"), endpoints("local")], "n1");
  assert.deepEqual(onN1.map((p) => [p.name, p.loadBalancerIps, p.localEndpoints]), [
    ["shop/cluster", ["10.77.0.200"], undefined],
    ["shop/local", ["10.77.0.201"], [{ ip: "10.244.1.2", port: 8080 }]],
  ]);
  const [cluster, local] = onN1;
  const n1 = renderRules(onN1, { ...config, nodeName: "n1" }).text.split("\n");
  assert.ok(n1.includes(`-A SKIFF-SERVICES -d 10.77.0.200/32 -p tcp -m tcp --dport 80 -m comment --comment "shop/cluster loadbalancer IP" -j ${serviceChain(cluster!)}`));
  const xlb = externalChain(local!);
  assert.ok(n1.includes(`-A SKIFF-SERVICES -d 10.77.0.201/32 -p tcp -m tcp --dport 80 -m comment --comment "shop/local loadbalancer IP" -j ${xlb}`));
  assert.ok(n1.includes(`-A SKIFF-NODEPORTS -p tcp -m tcp --dport 30002 -m comment --comment "shop/local" -j ${xlb}`));
  // The local chain jumps only to n1's endpoint, and never to the masquerade mark.
  const xlbRules = n1.filter((l) => l.startsWith(`-A ${xlb} `));
  assert.deepEqual(xlbRules, [`-A ${xlb} -m comment --comment "shop/local local endpoints" -j ${endpointChain(local!, { ip: "10.244.1.2", port: 8080 })}`]);
  // The cluster IP still balances over both endpoints.
  assert.equal(n1.filter((l) => l.startsWith(`-A ${serviceChain(local!)} `) && l.includes("SKIFF-SEP-")).length, 2);
  // A node with no endpoint of `local` drops its NodePort and LB traffic.
  const onN3 = servicePorts(services, [endpoints("cluster"), endpoints("local")], "n3");
  const n3 = renderRules(onN3, { ...config, nodeName: "n3" }).text.split("\n");
  assert.ok(n3.includes(`-A SKIFF-SERVICES -d 10.77.0.21/32 -p tcp -m tcp --dport 30002 -m comment --comment "shop/local has no local endpoints" -j DROP`));
  assert.ok(n3.includes(`-A SKIFF-SERVICES -d 10.77.0.201/32 -p tcp -m tcp --dport 80 -m comment --comment "shop/local has no local endpoints" -j DROP`));
  assert.ok(!n3.some((l) => l.includes("SKIFF-XLB-")));
  // No endpoints at all: the LB address is rejected like the cluster IP.
  const none = renderRules(servicePorts(services, [], "n1"), config).text;
  assert.match(none, /-A SKIFF-SERVICES -d 10\.77\.0\.200\/32 -p tcp -m tcp --dport 80 -m comment --comment "shop\/cluster has no endpoints" -j REJECT/);
});
