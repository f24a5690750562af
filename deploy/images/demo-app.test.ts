import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { createDemoApp } from "./demo-app-server.ts";

const logged: string[] = [];
const server = createDemoApp({ hostname: "demo-7", log: (msg) => logged.push(msg) });
let base = "";

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

test("GET / answers with the hostname and counts only its own requests", async () => {
  assert.equal(await (await fetch(`${base}/`)).text(), "hostname=demo-7 requests=1\n");
  const health = await fetch(`${base}/healthz`);
  assert.equal(health.status, 200);
  assert.equal(await health.text(), "ok\n");
  assert.equal(await (await fetch(`${base}/`)).text(), "hostname=demo-7 requests=2\n");
  assert.equal((await fetch(`${base}/nope`)).status, 404);
  assert.deepEqual(logged, ["request", "request"]);
});
