import assert from "node:assert/strict";
import { request } from "node:https";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { makeClusterCredentials } from "../../deploy/certs/certs.ts";
import type { DockerPodRuntime } from "../kubelet/runtime/pod-runtime.ts";
import { silentLog } from "./log.ts";
import { createLogServer, logOptions } from "./log-server.ts";
import { selfSignedCert } from "./serving-cert.ts";

test("kubectl's log options as the API server passes them on", () => {
  const q = new URLSearchParams("follow=true&tailLines=5&previous=true&timestamps=true&limitBytes=100&sinceSeconds=60");
  assert.deepEqual(logOptions(q, "web"), { container: "web", follow: true, previous: true, timestamps: true, tailLines: 5, limitBytes: 100, sinceSeconds: 60 });
  assert.deepEqual(logOptions(new URLSearchParams("follow=false&tailLines=x"), "web"), { container: "web", follow: false, previous: false, timestamps: false });
});

function get(port: number, path: string, client?: { cert: string; key: string }): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, rejectUnauthorized: false, ...client }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"]), body }));
    });
    req.on("error", reject);
    req.end();
  });
}

test("/metrics on the agent's port answers the cluster's clients only", async () => {
  const creds = await makeClusterCredentials({ hosts: [] });
  const { cert, key } = await selfSignedCert("n1", "127.0.0.1");
  const metrics = { contentType: "text/plain; version=0.0.4; charset=utf-8", metrics: async () => "kubelet_running_pods 3\n" };
  const server = createLogServer({ cert, key, clientCa: creds.ca.certPem, runtime: {} as DockerPodRuntime, pod: () => undefined, log: silentLog, metrics });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  try {
    const port = (server.address() as AddressInfo).port;
    const ok = await get(port, "/metrics", { cert: creds.admin.certPem, key: creds.admin.keyPem });
    assert.equal(ok.status, 200);
    assert.match(ok.type, /^text\/plain/);
    assert.equal(ok.body, "kubelet_running_pods 3\n");
    await assert.rejects(get(port, "/metrics"), "a client without a certificate of the cluster's CA is refused");
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
