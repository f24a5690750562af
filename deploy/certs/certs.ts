// A cluster's credentials: a CA, the apiserver's serving certificate, an
// admin client certificate, bearer tokens (admin and read-only) and a
// kubeconfig that kubectl uses as it is. ECDSA P-256 keys through WebCrypto
// and @peculiar/x509: fast to make, and accepted by Go's TLS and Node's.
// @peculiar/x509 resolves its ASN.1 schemas through tsyringe, which needs this polyfill loaded first.
import "reflect-metadata";
import { webcrypto } from "node:crypto";
import { isIP } from "node:net";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

export interface KeyPairPem {
  certPem: string;
  keyPem: string;
}

export interface ClusterCredentials {
  ca: KeyPairPem;
  apiserver: KeyPairPem;
  admin: KeyPairPem;
  adminToken: string;
  viewerToken: string;
  /** kube-apiserver's --token-auth-file format: token,user,uid,"group1,group2". */
  tokenFile: string;
}

export interface CredentialOptions {
  /** DNS names and IP addresses the serving certificate is valid for. */
  hosts: string[];
  /** Validity in days. */
  days?: number;
}

function pemKey(der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString("base64").replace(/(.{64})/g, "$1\n");
  return `-----BEGIN PRIVATE KEY-----\n${b64.trim()}\n-----END PRIVATE KEY-----\n`;
}

async function newKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"])) as CryptoKeyPair;
}

async function keyPem(keys: CryptoKeyPair): Promise<string> {
  return pemKey(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey as webcrypto.CryptoKey));
}

function randomToken(): string {
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(24))).toString("hex");
}

function validity(days: number): { notBefore: Date; notAfter: Date } {
  // A minute of slack for clocks of containers started a moment earlier.
  const notBefore = new Date(Date.now() - 60_000);
  return { notBefore, notAfter: new Date(notBefore.getTime() + days * 86_400_000) };
}

async function issue(
  ca: { cert: x509.X509Certificate; keys: CryptoKeyPair },
  subject: string,
  usage: "server" | "client",
  hosts: string[],
  days: number,
): Promise<KeyPairPem> {
  const keys = await newKeys();
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension([usage === "server" ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
    await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
  ];
  if (hosts.length > 0) {
    extensions.push(new x509.SubjectAlternativeNameExtension(hosts.map((h) => (isIP(h) !== 0 ? { type: "ip" as const, value: h } : { type: "dns" as const, value: h }))));
  }
  const cert = await x509.X509CertificateGenerator.create({
    subject,
    issuer: ca.cert.subject,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: alg,
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(8))).toString("hex").replace(/^[89a-f]/, "1"),
    extensions,
    ...validity(days),
  });
  return { certPem: cert.toString("pem") + "\n", keyPem: await keyPem(keys) };
}

export async function makeClusterCredentials(opts: CredentialOptions): Promise<ClusterCredentials> {
  const days = opts.days ?? 365;
  const caKeys = await newKeys();
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    name: "CN=skiff-ca",
    keys: caKeys,
    signingAlgorithm: alg,
    serialNumber: "01",
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
    ...validity(days * 10),
  });
  const ca = { cert: caCert, keys: caKeys };
  const hosts = [...new Set(["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", "127.0.0.1", ...opts.hosts])];
  const adminToken = randomToken();
  const viewerToken = randomToken();
  return {
    ca: { certPem: caCert.toString("pem") + "\n", keyPem: await keyPem(caKeys) },
    apiserver: await issue(ca, "CN=kube-apiserver", "server", hosts, days),
    admin: await issue(ca, "CN=skiff-admin, O=system:masters", "client", [], days),
    adminToken,
    viewerToken,
    tokenFile: `${adminToken},skiff-admin-token,uid-admin,"system:masters"\n${viewerToken},skiff-viewer,uid-viewer,"skiff:viewers"\n`,
  };
}

const b64 = (s: string): string => Buffer.from(s).toString("base64");

/**
 * A kubeconfig with three contexts: `skiff` (admin by client certificate, the
 * current one), `skiff-token` (admin by bearer token), `skiff-viewer` (read-only token).
 */
export function kubeconfig(creds: ClusterCredentials, server: string): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: skiff
  cluster:
    server: ${server}
    certificate-authority-data: ${b64(creds.ca.certPem)}
users:
- name: skiff-admin
  user:
    client-certificate-data: ${b64(creds.admin.certPem)}
    client-key-data: ${b64(creds.admin.keyPem)}
- name: skiff-admin-token
  user:
    token: ${creds.adminToken}
- name: skiff-viewer
  user:
    token: ${creds.viewerToken}
contexts:
- name: skiff
  context: {cluster: skiff, user: skiff-admin, namespace: default}
- name: skiff-token
  context: {cluster: skiff, user: skiff-admin-token, namespace: default}
- name: skiff-viewer
  context: {cluster: skiff, user: skiff-viewer, namespace: default}
current-context: skiff
preferences: {}
`;
}
