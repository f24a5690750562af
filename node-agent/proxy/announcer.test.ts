import assert from "node:assert/strict";
import { test } from "node:test";
import type { V1Endpoints, V1Node, V1Service } from "@kubernetes/client-node";
import { type AddressOps, addressesFor, announcer, LoadBalancerAnnouncer } from "./announcer.ts";

const node = (name: string, ready = true): V1Node => ({ metadata: { name }, status: { conditions: [{ type: "Ready", status: ready ? "True" : "Unknown" }] } });
const lb = (name: string, ip: string, etp = "Cluster"): V1Service => ({
  metadata: { name, namespace: "shop" },
  spec: { type: "LoadBalancer", externalTrafficPolicy: etp, ports: [{ port: 80 }] },
  status: { loadBalancer: { ingress: [{ ip }] } },
});

test("exactly one Ready node announces each address, the choice spreads over nodes, and moves when that node is not Ready", () => {
  const nodes = [node("n1"), node("n2"), node("n3")];
  const services = Array.from({ length: 30 }, (_, i) => lb(`s${i}`, `10.78.0.${200 + i}`));
  const held = nodes.map((n) => addressesFor(n.metadata!.name!, services, [], nodes));
  assert.equal(held.reduce((sum, h) => sum + h.size, 0), 30);
  assert.equal(new Set(held.flatMap((h) => [...h])).size, 30);
  assert.ok(held.every((h) => h.size > 0), "spread over the nodes");
  // n1 goes silent: its addresses move to the others, theirs stay put.
  const down = [node("n1", false), node("n2"), node("n3")];
  assert.equal(addressesFor("n1", services, [], down).size, 0);
  const after = ["n2", "n3"].map((n) => addressesFor(n, services, [], down));
  assert.equal(after[0]!.size + after[1]!.size, 30);
  for (const ip of held[1]!) assert.ok(after[0]!.has(ip));
  assert.equal(announcer("shop/x", []), undefined);
});

test("externalTrafficPolicy Local: only a node with a ready endpoint announces; none, no one does", () => {
  const nodes = [node("n1"), node("n2"), node("n3")];
  const ep: V1Endpoints = { metadata: { name: "web", namespace: "shop" }, subsets: [{ addresses: [{ ip: "10.78.2.5", nodeName: "n2" }], notReadyAddresses: [{ ip: "10.78.3.5", nodeName: "n3" }] }] };
  const svc = lb("web", "10.78.0.200", "Local");
  assert.deepEqual(["n1", "n2", "n3"].map((n) => [...addressesFor(n, [svc], [ep], nodes)]), [[], ["10.78.0.200"], []]);
  assert.deepEqual(["n1", "n2", "n3"].map((n) => addressesFor(n, [svc], [], nodes).size), [0, 0, 0]);
});

test("the announcer adds what is missing and removes what is no longer wanted, the latest wish winning", async () => {
  const held = new Set(["10.78.0.209"]);
  const calls: string[] = [];
  const ops: AddressOps = {
    list: async () => [...held],
    add: async (ip) => {
      calls.push(`add ${ip}`);
      held.add(ip);
    },
    remove: async (ip) => {
      calls.push(`remove ${ip}`);
      held.delete(ip);
    },
  };
  const a = new LoadBalancerAnnouncer(ops);
  const first = a.set(new Set(["10.78.0.200"]));
  const second = a.set(new Set(["10.78.0.201"]));
  await Promise.all([first, second]);
  assert.deepEqual([...held], ["10.78.0.201"]);
  assert.deepEqual(calls.slice(0, 2), ["remove 10.78.0.209", "add 10.78.0.200"]);
  await a.set(new Set());
  assert.deepEqual([...held], []);
  // The same wish again does nothing; a new one after it still applies.
  const before = calls.length;
  await a.set(new Set());
  assert.equal(calls.length, before);
  await a.set(new Set(["10.78.0.202"]));
  assert.deepEqual([...held], ["10.78.0.202"]);
});
