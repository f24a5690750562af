import assert from "node:assert/strict";
import { test } from "node:test";
import { newEncryptionConfig, parseEncryptionConfig } from "./encryption.ts";

const text = (b: Uint8Array): string => Buffer.from(b).toString("utf8");
const secretJson = Buffer.from('{"kind":"Secret","data":{"password":"aHVudGVyMg=="}}');

test("aesgcm seals with kube's prefix, opens what it sealed, and reads plaintext written before it", () => {
  const [t] = parseEncryptionConfig(newEncryptionConfig());
  assert.deepEqual(t!.prefixes, ["/registry/secrets/"]);
  const sealed = t!.encrypt(secretJson);
  assert.ok(text(sealed).startsWith("k8s:enc:aesgcm:v1:key1:"));
  assert.ok(!text(sealed).includes("aHVudGVyMg"), "no plaintext in the stored value");
  assert.notDeepEqual(t!.encrypt(secretJson), sealed, "a fresh nonce each write");
  assert.equal(text(t!.decrypt(sealed)), text(secretJson));
  assert.equal(text(t!.decrypt(secretJson)), text(secretJson), "identity fallback");
  const tampered = Buffer.from(sealed);
  tampered[tampered.length - 20]! ^= 1;
  assert.throws(() => t!.decrypt(tampered));
});

test("key rotation: an old key listed second still decrypts; a value of an unknown key is an error; group resources", () => {
  const key = (b: number): string => Buffer.alloc(32, b).toString("base64");
  const config = (keys: string): string =>
    `kind: EncryptionConfiguration\napiVersion: apiserver.config.k8s.io/v1\nresources:\n  - resources: [secrets, deployments.apps]\n    providers:\n      - aesgcm:\n          keys:\n${keys}      - identity: {}\n`;
  const [old] = parseEncryptionConfig(config(`            - name: old\n              secret: ${key(1)}\n`));
  const [rotated] = parseEncryptionConfig(config(`            - name: new\n              secret: ${key(2)}\n            - name: old\n              secret: ${key(1)}\n`));
  assert.deepEqual(rotated!.prefixes, ["/registry/secrets/", "/registry/apps/deployments/"]);
  const byOld = old!.encrypt(secretJson);
  assert.equal(text(rotated!.decrypt(byOld)), text(secretJson));
  assert.ok(text(rotated!.encrypt(secretJson)).startsWith("k8s:enc:aesgcm:v1:new:"));
  assert.throws(() => old!.decrypt(rotated!.encrypt(secretJson)), /no key of the encryption configuration/);
  assert.throws(() => parseEncryptionConfig(config(`            - name: short\n              secret: ${Buffer.alloc(5).toString("base64")}\n`)), /16 or 32 bytes/);
  assert.throws(() => parseEncryptionConfig("kind: Other\n"), /not an EncryptionConfiguration/);
});
