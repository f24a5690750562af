import assert from "node:assert/strict";
import { test } from "node:test";
import type { V1Service } from "@kubernetes/client-node";
import { FakeClock } from "../clock.ts";
import { FakeApi } from "../fake-api.ts";
import { settle } from "../test-support.ts";
import { IpPool } from "./ip-pool.ts";
import { ServiceLbController } from "./service-lb-controller.ts";

function setup(range = "10.78.0.200-10.78.0.202"): { api: FakeApi; lb: ServiceLbController; clock: FakeClock } {
  const clock = new FakeClock();
  const api = new FakeApi(clock);
  return { api, lb: new ServiceLbController(api, clock, IpPool.parse(range)), clock };
}

function service(name: string, type: string, loadBalancerIP?: string): V1Service {
  return { apiVersion: "v1", kind: "Service", metadata: { name, namespace: "default" }, spec: { type, ports: [{ port: 80 }], ...(loadBalancerIP !== undefined ? { loadBalancerIP } : {}) } };
}

const ipOf = (api: FakeApi, name: string): string | undefined => api.stored("services", "default", name)?.status?.loadBalancer?.ingress?.[0]?.ip;

test("the pool: ranges, single addresses and CIDRs; bad ones refused", () => {
  assert.equal(IpPool.parse("10.0.0.200-10.0.0.250").size, 51);
  assert.equal(IpPool.parse("10.0.0.7").size, 1);
  const cidr = IpPool.parse("10.0.1.0/28");
  assert.equal(cidr.size, 16);
  assert.ok(cidr.contains("10.0.1.15") && !cidr.contains("10.0.1.16"));
  assert.equal(cidr.firstFree(new Set(["10.0.1.0", "10.0.1.1"])), "10.0.1.2");
  assert.throws(() => IpPool.parse("10.0.0.9-10.0.0.1"), /before the first/);
  assert.throws(() => IpPool.parse("10.0.0.300"), /not an IPv4/);
});

test("LoadBalancers get distinct addresses from the pool; other types get none; the pool running out leaves <pending>", async () => {
  const { api, lb } = setup();
  for (const name of ["a", "b", "c", "d"]) api.seed("services", service(name, "LoadBalancer"));
  api.seed("services", service("plain", "ClusterIP"));
  await settle([lb]);
  assert.deepEqual(["a", "b", "c"].map((n) => ipOf(api, n)).sort(), ["10.78.0.200", "10.78.0.201", "10.78.0.202"]);
  assert.equal(ipOf(api, "d"), undefined);
  assert.equal(ipOf(api, "plain"), undefined);
  // Deleting one frees its address for the one waiting.
  const freed = ipOf(api, "b");
  await api.delete("services", "default", "b");
  await settle([lb]);
  assert.equal(ipOf(api, "d"), freed);
});

test("spec.loadBalancerIP is honoured in the pool; outside it, or taken, the Service waits", async () => {
  const { api, lb } = setup();
  api.seed("services", service("want", "LoadBalancer", "10.78.0.202"));
  api.seed("services", service("outside", "LoadBalancer", "10.78.0.9"));
  await settle([lb]);
  assert.equal(ipOf(api, "want"), "10.78.0.202");
  assert.equal(ipOf(api, "outside"), undefined);
  api.seed("services", service("same", "LoadBalancer", "10.78.0.202"));
  await settle([lb]);
  assert.equal(ipOf(api, "same"), undefined);
});

test("a type change away from LoadBalancer clears the status and frees the address; a stolen address goes back to the older Service", async () => {
  const { api, lb } = setup("10.78.0.200");
  api.seed("services", service("a", "LoadBalancer"));
  await settle([lb]);
  assert.equal(ipOf(api, "a"), "10.78.0.200");
  api.seed("services", service("b", "LoadBalancer"));
  await settle([lb]);
  assert.equal(ipOf(api, "b"), undefined);
  api.mutate("services", "default", "a", (s) => (s.spec!.type = "NodePort"));
  await settle([lb]);
  assert.deepEqual(api.stored("services", "default", "a")?.status?.loadBalancer, {});
  assert.equal(ipOf(api, "b"), "10.78.0.200");
  // Someone writes b's address into a newer Service's status: it is taken back.
  api.seed("services", { ...service("c", "LoadBalancer"), status: { loadBalancer: { ingress: [{ ip: "10.78.0.200" }] } } });
  await settle([lb]);
  assert.equal(ipOf(api, "b"), "10.78.0.200");
  assert.equal(ipOf(api, "c"), undefined);
});
