import assert from "node:assert/strict";
import { createServer, type Server, connect } from "node:net";
import { after, test } from "node:test";
import { ApiBalancer, type Backend } from "./balancer.ts";

const servers: Server[] = [];
after(() => {
  for (const s of servers) s.close();
});

/** A backend that answers every line with its name. */
async function backend(name: string): Promise<{ backend: Backend; server: Server }> {
  const server = createServer((s) => s.on("data", () => s.write(`${name}\n`)));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const addr = server.address();
  return { backend: { host: "127.0.0.1", port: typeof addr === "object" && addr !== null ? addr.port : 0 }, server };
}

/** Connects through the balancer and returns the first answer, or "closed". */
function ask(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port });
    let got = "";
    s.on("connect", () => s.write("hello\n"));
    s.on("data", (b) => {
      got += b.toString();
      if (got.endsWith("\n")) {
        s.destroy();
        resolve(got.trim());
      }
    });
    s.on("error", () => resolve("closed"));
    s.on("close", () => resolve(got === "" ? "closed" : got.trim()));
  });
}

test("connections go to the first API server that accepts, and stay with it after a failure", async () => {
  const a = await backend("a");
  const b = await backend("b");
  const c = await backend("c");
  const switches: number[] = [];
  const lb = new ApiBalancer([a.backend, b.backend, c.backend], { connectTimeoutMs: 500, onSwitch: (to) => switches.push(to.port) });
  const port = await lb.listen(0);
  try {
    assert.equal(await ask(port), "a");
    assert.equal(await ask(port), "a");
    await new Promise<void>((r) => a.server.close(() => r()));
    assert.equal(await ask(port), "b");
    assert.deepEqual(switches, [b.backend.port]);
    // b stays preferred even though a may come back: no flapping.
    assert.equal(await ask(port), "b");
    await new Promise<void>((r) => b.server.close(() => r()));
    assert.equal(await ask(port), "c");
    assert.deepEqual(lb.current(), c.backend);
  } finally {
    await lb.close();
  }
});

test("with no API server reachable a connection is closed, not left hanging", async () => {
  const gone = await backend("gone");
  await new Promise<void>((r) => gone.server.close(() => r()));
  const lb = new ApiBalancer([gone.backend], { connectTimeoutMs: 300 });
  const port = await lb.listen(0);
  try {
    assert.equal(await ask(port), "closed");
  } finally {
    await lb.close();
  }
});
