// The dashboard in a real browser (Debian's Chromium through playwright-core,
// headless; never a downloaded browser) against a real API server on skiff's
// store: the page shows the three nodes, a new pod appears without a reload,
// and a kill from the page kills the container that stands for a node, after
// which the node goes NotReady on the page and in the timeline. The node's
// NotReady, the eviction and the replacement pod are written by the test, as
// the node lifecycle and ReplicaSet controllers would.
// Leaves a screenshot in test-results/.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import Docker from "dockerode";
import { type Browser, chromium, type Page } from "playwright-core";
import { WebSocket } from "ws";
import { ApiServerProcess } from "../support/apiserver.ts";
import { removeByLabel, testRunLabel } from "../support/docker.ts";
import { freePort } from "../support/ports.ts";

const repo = fileURLToPath(new URL("../..", import.meta.url));
const chromiumPath = process.env.SKIFF_CHROMIUM ?? "/usr/bin/chromium";
const run = testRunLabel("dashboard");
const docker = new Docker({ socketPath: "/var/run/docker.sock" });
let api: ApiServerProcess;
let dashboard: ChildProcess | undefined;
const dashboardLog: string[] = [];
let port = 0;
let browser: Browser | undefined;
let page: Page;

async function waitFor<T>(what: string, f: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${dashboardLog.join("").slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function get(path: string, headers: Record<string, string> = {}, method = "GET"): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method, headers, ca: readFileSync(join(api.dir, "pki", "ca.crt")), agent: false }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

const adminToken = (): string => readFileSync(join(api.dir, "pki", "tokens.csv"), "utf8").split("\n")[0]!.split(",")[0]!;

async function apiCall(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const r = await api.request(path, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.body}`);
  return r.json();
}

async function setNodeReady(name: string, ready: boolean): Promise<void> {
  const node = await apiCall("GET", `/api/v1/nodes/${name}`);
  const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  node.status = {
    conditions: [{ type: "Ready", status: ready ? "True" : "Unknown", reason: ready ? "KubeletReady" : "NodeStatusUnknown", lastHeartbeatTime: now, lastTransitionTime: now }],
    addresses: [{ type: "InternalIP", address: `10.99.0.${name.slice(1)}` }],
  };
  await apiCall("PUT", `/api/v1/nodes/${name}/status`, node);
}

async function createPod(name: string, node: string): Promise<void> {
  await apiCall("POST", "/api/v1/namespaces/default/pods", {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels: { app: "web" } },
    spec: { nodeName: node, containers: [{ name: "web", image: "skiff/demo-app:latest" }] },
  });
}

/** Running and Ready through the status subresource, as a kubelet reports it. */
async function setPodReady(name: string): Promise<void> {
  const pod = await apiCall("GET", `/api/v1/namespaces/default/pods/${name}`);
  pod.status = { phase: "Running", podIP: "10.99.2.5", conditions: [{ type: "Ready", status: "True" }] };
  await apiCall("PUT", `/api/v1/namespaces/default/pods/${name}/status`, pod);
}

before(async () => {
  assert.ok(existsSync(chromiumPath), `Debian's Chromium is needed at ${chromiumPath} (apt-get install -y chromium)`);
  api = await ApiServerProcess.start("skiff");
  for (const name of ["n1", "n2", "n3"]) {
    await apiCall("POST", "/api/v1/nodes", { apiVersion: "v1", kind: "Node", metadata: { name } });
    await setNodeReady(name, true);
  }
  // The container that stands for node n1: what the kill button acts on.
  const n1 = await docker.createContainer({
    name: `${run.value}-n1`,
    Image: "skiff/node-base:latest",
    Cmd: ["-e", "setInterval(() => {}, 1 << 30)"], // the image's entrypoint is node
    Labels: { [run.key]: run.value, "skiff.machine": "n1", "skiff.role": "node" },
    HostConfig: { NetworkMode: "none", Init: true },
  });
  await n1.start();
  port = await freePort();
  const pki = join(api.dir, "pki");
  dashboard = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      join(repo, "deploy/src/cli.ts"),
      "dashboard",
      `--kubeconfig=${api.kubeconfig}`,
      `--tls-cert-file=${join(pki, "apiserver.crt")}`,
      `--tls-private-key-file=${join(pki, "apiserver.key")}`,
      `--token-auth-file=${join(pki, "tokens.csv")}`,
      `--secure-port=${port}`,
      "--bind-address=127.0.0.1",
      `--store-endpoints=${api.store.members.map((m) => `${m.name}=${m.clientUrl}`).join(",")}`,
      `--docker-label=${run.filter}`,
    ],
    { cwd: repo, stdio: ["ignore", "pipe", "pipe"] },
  );
  dashboard.stdout?.on("data", (b: Buffer) => dashboardLog.push(b.toString()));
  dashboard.stderr?.on("data", (b: Buffer) => dashboardLog.push(b.toString()));
  await waitFor("the dashboard to serve", async () => ((await get("/healthz")).status === 200 ? true : undefined));
  browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
  // The serving certificate is signed by the cluster's own CA, which Chromium does not know.
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1400, height: 900 } });
  page = await context.newPage();
});

after(async () => {
  await browser?.close().catch(() => undefined);
  if (dashboard !== undefined && dashboard.exitCode === null) {
    const exited = new Promise((r) => dashboard?.once("exit", r));
    dashboard.kill("SIGKILL");
    await exited;
  }
  await removeByLabel(docker, run.filter).catch(() => undefined);
  await removeByLabel(docker, `${run.filter}-other`).catch(() => undefined);
  await api?.stop();
});

test("without the admin token the dashboard answers 401; with it, the page", async () => {
  assert.equal((await get("/")).status, 401);
  assert.equal((await get("/api/state", { Authorization: "Bearer not-the-token" })).status, 401);
  const viewer = readFileSync(join(api.dir, "pki", "tokens.csv"), "utf8").split("\n")[1]!.split(",")[0]!;
  assert.equal((await get("/api/state", { Authorization: `Bearer ${viewer}` })).status, 401, "the read-only token is not the kubeconfig's");
  const ok = await get("/api/state", { Authorization: `Bearer ${adminToken()}` });
  assert.equal(ok.status, 200);
  assert.ok(Array.isArray((JSON.parse(ok.body) as { nodes: unknown[] }).nodes));
});

test("the WebSocket refuses a missing token; actions need JSON and reach only containers with the cluster's label", async () => {
  const ca = readFileSync(join(api.dir, "pki", "ca.crt"));
  const refused = await new Promise<number>((resolve, reject) => {
    const ws = new WebSocket(`wss://127.0.0.1:${port}/ws`, { ca });
    ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
    ws.on("open", () => reject(new Error("the WebSocket opened without a token")));
    ws.on("error", () => undefined);
  });
  assert.equal(refused, 401);
  const auth = { Authorization: `Bearer ${adminToken()}` };
  assert.equal((await get("/api/machines/n1/kill", auth, "POST")).status, 415, "a plain form post cannot kill");
  // A container that looks like node n2 but belongs to another cluster (another label value).
  const bystander = await docker.createContainer({
    name: `${run.value}-other-n2`,
    Image: "skiff/node-base:latest",
    Cmd: ["-e", "setInterval(() => {}, 1 << 30)"],
    Labels: { [run.key]: `${run.value}-other`, "skiff.machine": "n2", "skiff.role": "node" },
    HostConfig: { NetworkMode: "none", Init: true },
  });
  await bystander.start();
  const r = await get("/api/machines/n2/kill", { ...auth, "Content-Type": "application/json" }, "POST");
  assert.equal(r.status, 404, r.body);
  assert.equal((await bystander.inspect()).State.Running, true, "another cluster's container is never touched");
});

test("the page shows three nodes, the store members with one leader, and a new pod without a reload", async (t) => {
  await page.goto(`https://127.0.0.1:${port}/?token=${encodeURIComponent(adminToken())}`);
  // The token became a cookie and left the address bar.
  assert.equal(new URL(page.url()).search, "");
  await page.locator("#connection.up").waitFor({ timeout: 60_000 });
  await waitFor("three Ready nodes", async () => ((await page.locator('.node[data-status="Ready"]').count()) === 3 ? true : undefined));
  await page.locator('[data-member][data-role="leader"]').first().waitFor({ timeout: 60_000 });
  assert.equal(await page.locator("[data-member]").count(), api.store.members.length);
  assert.equal(await page.locator('[data-member][data-role="leader"]').count(), 1);

  await page.evaluate(() => ((globalThis as unknown as { notReloaded: boolean }).notReloaded = true));
  const created = Date.now();
  await createPod("web-1", "n2");
  await page.locator('[data-node="n2"] [data-pod="default/web-1"]').waitFor({ timeout: 60_000 });
  // A figure, not an assertion: from the create's answer to the pod on the page (watch, diff, WebSocket, draw).
  t.diagnostic(`pod on the page ${Date.now() - created} ms after the create was sent`);
  await setPodReady("web-1");
  await page.locator('[data-pod="default/web-1"][data-ready="true"][data-phase="Running"]').waitFor({ timeout: 60_000 });
  await createPod("web-0", "n1");
  await setPodReady("web-0");
  await page.locator('[data-node="n1"] [data-pod="default/web-0"][data-ready="true"]').waitFor({ timeout: 60_000 });
  assert.equal(await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded), true, "the page was not reloaded");

  await apiCall("POST", "/api/v1/namespaces/default/services", {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "web", namespace: "default" },
    spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080 }] },
  });
  await page.locator('[data-service="default/web"]').waitFor({ timeout: 60_000 });
  // The event feed.
  await apiCall("POST", "/api/v1/namespaces/default/events", {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: "web-1.demo", namespace: "default" },
    involvedObject: { kind: "Pod", name: "web-1", namespace: "default" },
    reason: "DemoReason",
    message: "shown in the feed",
    type: "Normal",
    firstTimestamp: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    lastTimestamp: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
  });
  await page.locator("#events li", { hasText: "DemoReason Pod/web-1: shown in the feed" }).waitFor({ timeout: 60_000 });
});

test("a kill from the page kills the node's container; the node goes NotReady on the page and in the timeline", async () => {
  const button = page.locator('[data-node="n1"] button[data-action="kill"]');
  await button.waitFor({ timeout: 60_000 });
  // Only n1 has a container of this run: no other node offers a button.
  assert.equal(await page.locator('[data-node="n2"] button').count(), 0);
  await button.click();
  const container = docker.getContainer(`${run.value}-n1`);
  await waitFor("the n1 container to die", async () => ((await container.inspect()).State.Running ? undefined : true));
  await page.locator('[data-node="n1"] button[data-action="start"]').waitFor({ timeout: 60_000 });
  await setNodeReady("n1", false);
  await page.locator('.node[data-node="n1"][data-status="NotReady"]').waitFor({ timeout: 60_000 });
  await page.locator('#timeline tr[data-kind="Killed"][data-subject="n1"]').waitFor({ timeout: 60_000 });
  await page.locator('#timeline tr[data-kind="NodeNotReady"][data-subject="n1"]').waitFor({ timeout: 60_000 });
  // The eviction and the replacement, as the node lifecycle and ReplicaSet controllers would make them.
  await apiCall("DELETE", "/api/v1/namespaces/default/pods/web-0");
  await createPod("web-2", "n3");
  await setPodReady("web-2");
  for (const [kind, subject] of [["PodEvicted", "default/web-0"], ["PodScheduled", "default/web-2"], ["PodReady", "default/web-2"]]) {
    await page.locator(`#timeline tr[data-kind="${kind}"][data-subject="${subject}"]`).waitFor({ timeout: 60_000 });
  }
  // Since the last kill, in the order they happened (the table shows the newest first).
  const kinds = await page.locator("#timeline tbody tr").evaluateAll((rows) => rows.map((r) => (r as unknown as { dataset: { kind?: string } }).dataset.kind ?? "").reverse());
  assert.deepEqual(kinds.slice(0, 3), ["Killed", "NodeNotReady", "PodEvicted"]);
  assert.ok(kinds.includes("PodReady"));
  mkdirSync(join(repo, "test-results"), { recursive: true });
  await page.screenshot({ path: join(repo, "test-results", "dashboard.png"), fullPage: true });

  // And start brings the container back.
  await page.locator('[data-node="n1"] button[data-action="start"]').click();
  await waitFor("the n1 container to run again", async () => ((await container.inspect()).State.Running ? true : undefined));
  await page.locator('#timeline tr[data-kind="Started"][data-subject="n1"]').waitFor({ timeout: 60_000 });
});
