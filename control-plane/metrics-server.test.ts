import assert from "node:assert/strict";
import { test } from "node:test";
import { Counter, Registry } from "prom-client";
import { parseBindAddress, serveMetrics } from "./metrics-server.ts";

test("serves the registry on /metrics, ok on /healthz, 404 elsewhere, 405 for writes", async () => {
  const registry = new Registry();
  new Counter({ name: "things_total", help: "Things.", registers: [registry] }).inc(3);
  const server = await serveMetrics(registry, "127.0.0.1", 0);
  try {
    const base = `http://127.0.0.1:${server.port}`;
    const metrics = await fetch(`${base}/metrics`);
    assert.equal(metrics.status, 200);
    assert.equal(metrics.headers.get("content-type"), registry.contentType);
    assert.match(await metrics.text(), /^things_total 3$/m);
    const health = await fetch(`${base}/healthz`);
    assert.equal(await health.text(), "ok");
    const missing = await fetch(`${base}/other`);
    assert.equal(missing.status, 404);
    await missing.text();
    const post = await fetch(`${base}/metrics`, { method: "POST" });
    assert.equal(post.status, 405);
    await post.text();
  } finally {
    await server.close();
  }
});

test("bind addresses as kube's flags take them", () => {
  assert.deepEqual(parseBindAddress("f", "127.0.0.1:10259"), { host: "127.0.0.1", port: 10259 });
  assert.deepEqual(parseBindAddress("f", ":10257"), { host: "0.0.0.0", port: 10257 });
  assert.deepEqual(parseBindAddress("f", "[::1]:9000"), { host: "::1", port: 9000 });
  assert.throws(() => parseBindAddress("f", "127.0.0.1:99999"), /--f: "127.0.0.1:99999" is not host:port/);
  assert.throws(() => parseBindAddress("f", "127.0.0.1:"), /not host:port/);
});
