// Secrets encrypted at rest: the API server (started with the
// EncryptionConfiguration `skiff certs` writes) stores a Secret as
// k8s:enc:aesgcm:v1:key1:…, so `etcdctl get` shows no plaintext, while the
// API (and kubectl) read it back; a Secret written in plaintext before the
// key existed still reads; other kinds stay plaintext JSON.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ApiServerProcess, kubectl132 } from "../support/apiserver.ts";
import { etcdctl } from "../support/store-cluster.ts";

let api: ApiServerProcess;
before(async () => {
  api = await ApiServerProcess.start("skiff");
});
after(async () => {
  await api?.stop();
});

const stored = (key: string): string => {
  const r = etcdctl(api.store.endpoints(), ["get", key, "--print-value-only"]);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
};

test("a Secret is stored encrypted and read back decrypted", async () => {
  const secret = { metadata: { name: "db" }, stringData: { password: "hunter2-plain" }, data: { token: Buffer.from("t0ken-plain").toString("base64") } };
  const created = await api.request("/api/v1/namespaces/default/secrets", { method: "POST", body: JSON.stringify(secret) });
  assert.equal(created.status, 201, created.body);
  const raw = stored("/registry/secrets/default/db");
  assert.ok(raw.startsWith("k8s:enc:aesgcm:v1:key1:"), raw.slice(0, 40));
  for (const plain of ["hunter2", "aHVudGVyMi1wbGFpbg", "dDBrZW4tcGxhaW4", '"db"', "Secret"]) assert.ok(!raw.includes(plain), `${plain} readable in the store`);
  const got = JSON.parse((await api.request("/api/v1/namespaces/default/secrets/db")).body) as { data: Record<string, string> };
  assert.equal(Buffer.from(got.data.password!, "base64").toString(), "hunter2-plain");
  const listed = JSON.parse((await api.request("/api/v1/namespaces/default/secrets")).body) as { items: { metadata: { name: string } }[] };
  assert.ok(listed.items.some((s) => s.metadata.name === "db"));
  const jsonpath = api.kubectl(kubectl132, ["get", "secret", "db", "-o", "jsonpath={.data.token}"]);
  assert.equal(jsonpath.status, 0, jsonpath.stderr);
  assert.equal(Buffer.from(jsonpath.stdout, "base64").toString(), "t0ken-plain");
  // An update is encrypted too, and the old value is gone from the newest revision.
  const patched = await api.request("/api/v1/namespaces/default/secrets/db", { method: "PATCH", body: '{"stringData":{"password":"rotated-plain"}}', contentType: "application/merge-patch+json" });
  assert.equal(patched.status, 200, patched.body);
  const after = stored("/registry/secrets/default/db");
  assert.ok(after.startsWith("k8s:enc:aesgcm:v1:key1:") && !after.includes("rotated"));
  const cm = await api.request("/api/v1/namespaces/default/configmaps", { method: "POST", body: JSON.stringify({ metadata: { name: "open" }, data: { k: "visible-value" } }) });
  assert.equal(cm.status, 201, cm.body);
  assert.ok(stored("/registry/configmaps/default/open").includes("visible-value"), "only Secrets are encrypted");
});

test("a Secret written in plaintext before encryption was on still reads", async () => {
  const legacy = { apiVersion: "v1", kind: "Secret", metadata: { name: "legacy", namespace: "default", uid: "0f1c2d3e-0000-4000-8000-000000000001", creationTimestamp: "2026-01-01T00:00:00Z" }, type: "Opaque", data: { k: Buffer.from("old").toString("base64") } };
  const put = etcdctl(api.store.endpoints(), ["put", "/registry/secrets/default/legacy"], JSON.stringify(legacy));
  assert.equal(put.status, 0, put.stderr);
  const got = await api.request("/api/v1/namespaces/default/secrets/legacy");
  assert.equal(got.status, 200, got.body);
  assert.equal(Buffer.from((JSON.parse(got.body) as { data: { k: string } }).data.k, "base64").toString(), "old");
});
