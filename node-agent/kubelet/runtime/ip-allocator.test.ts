import assert from "node:assert/strict";
import { test } from "node:test";
import { cidrContains, IpAllocator } from "./ip-allocator.ts";

test("addresses come from the pod CIDR, skipping network, gateway and broadcast", () => {
  const a = new IpAllocator("10.244.3.0/29");
  const got = ["a", "b", "c", "d", "e"].map((o) => a.allocate(o));
  assert.deepEqual(got, ["10.244.3.2", "10.244.3.3", "10.244.3.4", "10.244.3.5", "10.244.3.6"]);
  assert.throws(() => a.allocate("f"), /no free address in pod CIDR 10\.244\.3\.0\/29/);
  assert.equal(a.allocate("c"), "10.244.3.4", "an owner keeps its address");
});

test("released addresses are reused only after the others", () => {
  const a = new IpAllocator("10.244.3.0/29");
  assert.equal(a.allocate("a"), "10.244.3.2");
  assert.equal(a.allocate("b"), "10.244.3.3");
  a.release("a");
  assert.equal(a.allocate("c"), "10.244.3.4");
  assert.equal(a.allocate("d"), "10.244.3.5");
  assert.equal(a.allocate("e"), "10.244.3.6");
  assert.equal(a.allocate("f"), "10.244.3.2");
});

test("restore takes addresses found on running pods and refuses conflicts", () => {
  const a = new IpAllocator("10.244.3.0/24");
  a.restore("x", "10.244.3.2");
  a.restore("y", "10.244.3.9");
  assert.equal(a.allocate("z"), "10.244.3.3");
  assert.throws(() => a.restore("w", "10.244.3.9"), /held by y/);
  assert.throws(() => a.restore("w", "10.244.4.9"), /outside/);
  assert.deepEqual([...a.inUse().keys()].sort(), ["10.244.3.2", "10.244.3.3", "10.244.3.9"]);
});

test("cidrContains", () => {
  assert.equal(cidrContains("10.96.0.0/16", "10.96.255.1"), true);
  assert.equal(cidrContains("10.96.0.0/16", "10.97.0.1"), false);
});
