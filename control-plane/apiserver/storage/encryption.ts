// Encryption at rest, as kube-apiserver's --encryption-provider-config: an
// EncryptionConfiguration names resources and an ordered list of providers;
// the first one encrypts writes, every one listed may decrypt reads. Only
// aesgcm (AES-256/128-GCM, kube's value layout: prefix, 12-byte nonce,
// ciphertext, 16-byte tag) and identity are served. Values that carry no
// known prefix are read as plaintext (written before encryption was on).
import { type CipherGCMTypes, createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { parse as parseYaml } from "yaml";

export interface ValueTransformer {
  /** Store keys (prefixes) whose values this transformer handles. */
  readonly prefixes: string[];
  encrypt(plain: Uint8Array): Uint8Array;
  decrypt(stored: Uint8Array): Uint8Array;
}

interface AesKey {
  name: string;
  secret: Buffer;
}

const nonceBytes = 12;
const tagBytes = 16;
const algorithm = (key: AesKey): CipherGCMTypes => (key.secret.length === 32 ? "aes-256-gcm" : "aes-128-gcm");
const prefixOf = (key: AesKey): string => `k8s:enc:aesgcm:v1:${key.name}:`;

export class AesGcmTransformer implements ValueTransformer {
  constructor(
    readonly prefixes: string[],
    /** The first key encrypts; all decrypt. Empty: writes stay plaintext (identity first). */
    private readonly writeKey: AesKey | undefined,
    private readonly keys: AesKey[],
  ) {}

  encrypt(plain: Uint8Array): Uint8Array {
    if (this.writeKey === undefined) return plain;
    const nonce = randomBytes(nonceBytes);
    const cipher = createCipheriv(algorithm(this.writeKey), this.writeKey.secret, nonce);
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([Buffer.from(prefixOf(this.writeKey)), nonce, body, cipher.getAuthTag()]);
  }

  decrypt(stored: Uint8Array): Uint8Array {
    const value = Buffer.from(stored);
    if (!value.subarray(0, 8).equals(Buffer.from("k8s:enc:"))) return stored;
    const key = this.keys.find((k) => value.subarray(0, prefixOf(k).length).equals(Buffer.from(prefixOf(k))));
    if (key === undefined) throw new Error(`no key of the encryption configuration decrypts a value stored as ${value.subarray(0, 40).toString("latin1").split(":").slice(0, 5).join(":")}`);
    const rest = value.subarray(prefixOf(key).length);
    const decipher = createDecipheriv(algorithm(key), key.secret, rest.subarray(0, nonceBytes));
    decipher.setAuthTag(rest.subarray(rest.length - tagBytes));
    return Buffer.concat([decipher.update(rest.subarray(nonceBytes, rest.length - tagBytes)), decipher.final()]);
  }
}

type Json = Record<string, unknown>;
const list = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);

/** Reads an EncryptionConfiguration (apiserver.config.k8s.io/v1); resources like "secrets" or "deployments.apps". */
export function parseEncryptionConfig(text: string): ValueTransformer[] {
  const doc = parseYaml(text) as Json | null;
  if (doc?.kind !== "EncryptionConfiguration") throw new Error("the encryption provider config is not an EncryptionConfiguration");
  return list(doc.resources).map((entry) => {
    const resources = (Array.isArray(entry.resources) ? entry.resources : []).map(String);
    const prefixes = resources.map((r) => {
      const [resource, ...group] = r.split(".");
      return group.length === 0 ? `/registry/${resource}/` : `/registry/${group.join(".")}/${resource}/`;
    });
    const keys: AesKey[] = [];
    let writeKey: AesKey | undefined;
    list(entry.providers).forEach((provider, i) => {
      if ("identity" in provider) return;
      const aes = provider.aesgcm as Json | undefined;
      if (aes === undefined) throw new Error(`provider ${Object.keys(provider).join(",")}: skiff serves only aesgcm and identity`);
      const own = list(aes.keys).map((k) => {
        const secret = Buffer.from(String(k.secret ?? ""), "base64");
        if (![16, 32].includes(secret.length)) throw new Error(`aesgcm key ${String(k.name)}: the secret must be 16 or 32 bytes, base64`);
        return { name: String(k.name), secret };
      });
      if (i === 0) writeKey = own[0];
      keys.push(...own);
    });
    return new AesGcmTransformer(prefixes, writeKey, keys);
  });
}

/** A configuration with one fresh AES-256 key for Secrets (what `skiff certs` writes). */
export function newEncryptionConfig(): string {
  return [
    "apiVersion: apiserver.config.k8s.io/v1",
    "kind: EncryptionConfiguration",
    "resources:",
    "  - resources: [secrets]",
    "    providers:",
    "      - aesgcm:",
    "          keys:",
    "            - name: key1",
    `              secret: ${randomBytes(32).toString("base64")}`,
    "      - identity: {}",
    "",
  ].join("\n");
}
