// `skiff certs --dir D [--hosts a,b] [--server https://127.0.0.1:6443]`:
// writes a cluster's CA, apiserver certificate, admin certificate, token file,
// Secret encryption key (an EncryptionConfiguration) and kubeconfig into D. Existing files are kept unless --force; with
// --if-missing an existing CA is not an error (compose runs it on every `up`).
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { newEncryptionConfig } from "../../control-plane/apiserver/storage/encryption.ts";
import { kubeconfig, makeClusterCredentials } from "./certs.ts";

export const certFiles = {
  caCert: "ca.crt",
  caKey: "ca.key",
  serverCert: "apiserver.crt",
  serverKey: "apiserver.key",
  adminCert: "admin.crt",
  adminKey: "admin.key",
  tokens: "tokens.csv",
  encryption: "encryption-config.yaml",
  kubeconfig: "kubeconfig",
} as const;

export async function writeClusterCredentials(dir: string, hosts: string[], server: string): Promise<void> {
  const creds = await makeClusterCredentials({ hosts });
  mkdirSync(dir, { recursive: true });
  const write = (name: string, data: string, secret: boolean): void => writeFileSync(join(dir, name), data, { mode: secret ? 0o600 : 0o644 });
  write(certFiles.caCert, creds.ca.certPem, false);
  write(certFiles.caKey, creds.ca.keyPem, true);
  write(certFiles.serverCert, creds.apiserver.certPem, false);
  write(certFiles.serverKey, creds.apiserver.keyPem, true);
  write(certFiles.adminCert, creds.admin.certPem, false);
  write(certFiles.adminKey, creds.admin.keyPem, true);
  write(certFiles.tokens, creds.tokenFile, true);
  write(certFiles.encryption, newEncryptionConfig(), true);
  write(certFiles.kubeconfig, kubeconfig(creds, server), true);
}

export async function runCertsCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      dir: { type: "string" },
      hosts: { type: "string", default: "" },
      server: { type: "string", default: "https://127.0.0.1:6443" },
      force: { type: "boolean", default: false },
      "if-missing": { type: "boolean", default: false },
    },
  });
  if (values.dir === undefined) {
    process.stderr.write("usage: skiff certs --dir DIR [--hosts host,ip,...] [--server https://HOST:PORT] [--force | --if-missing]\n");
    return 2;
  }
  if (existsSync(join(values.dir, certFiles.caCert)) && values["if-missing"]) {
    // Credentials written before Secrets were encrypted get their key now.
    const encryption = join(values.dir, certFiles.encryption);
    if (!existsSync(encryption)) writeFileSync(encryption, newEncryptionConfig(), { mode: 0o600 });
    process.stdout.write(`${values.dir} already holds the cluster's credentials; kept\n`);
    return 0;
  }
  if (existsSync(join(values.dir, certFiles.caCert)) && !values.force) {
    process.stderr.write(`skiff certs: ${values.dir} already holds a CA; --force replaces everything\n`);
    return 1;
  }
  const hosts = values.hosts.split(",").filter((h) => h !== "");
  const serverHost = new URL(values.server).hostname;
  await writeClusterCredentials(values.dir, [...hosts, serverHost], values.server);
  process.stdout.write(`wrote ${Object.values(certFiles).join(", ")} to ${values.dir}\nkubectl --kubeconfig ${join(values.dir, certFiles.kubeconfig)} get namespaces\n`);
  return 0;
}
