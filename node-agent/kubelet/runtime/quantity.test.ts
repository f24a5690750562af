import assert from "node:assert/strict";
import { test } from "node:test";
import { bytes, cpuMillis, parseQuantity } from "./quantity.ts";

test("cpu quantities become millicores, rounded up", () => {
  assert.equal(cpuMillis("100m"), 100);
  assert.equal(cpuMillis("1"), 1000);
  assert.equal(cpuMillis("1.5"), 1500);
  assert.equal(cpuMillis("0.0001"), 1);
  assert.equal(cpuMillis(2), 2000);
});

test("memory quantities become bytes", () => {
  assert.equal(bytes("64Mi"), 64 * 1024 * 1024);
  assert.equal(bytes("1G"), 1e9);
  assert.equal(bytes("1.5Gi"), 1.5 * 2 ** 30);
  assert.equal(bytes("1e3"), 1000);
  assert.equal(bytes("128974848"), 128974848);
});

test("garbage is refused", () => {
  assert.throws(() => parseQuantity("12 apples"), /invalid quantity/);
  assert.throws(() => parseQuantity(""), /invalid quantity/);
});
