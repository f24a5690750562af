// Service types end to end on 2 real nodes, with the scheduler and the
// controller manager (its service-lb controller given a pool on the test
// network): ExternalName answers a CNAME to busybox's nslookup in a pod; a
// LoadBalancer gets an address from the pool, kubectl (1.20 and 1.32)
// shows it as EXTERNAL-IP, exactly one node holds it and the host's
// requests to it reach every replica; externalTrafficPolicy Local keeps
// the client's address and a node without a local pod does not answer;
// killing the announcing node moves the address to the other one; an
// ingress controller running as a pod (the node-agent image's `ingress`
// command, its kubeconfig from a Secret) behind a LoadBalancer routes
// requests by Host header and path.
import assert from "node:assert/strict";
import { get } from "node:http";
import { after, before, test } from "node:test";
import type { V1Pod, V1PodList, V1Service } from "@kubernetes/client-node";
import type Docker from "dockerode";
import { nodeBinary } from "../../deploy/images/images.ts";
import { execInContainer } from "../../node-agent/kubelet/runtime/exec.ts";
import type { AgentNode } from "../support/agent-node.ts";
import { type ApiServerProcess, kubectl120, kubectl132 } from "../support/apiserver.ts";
import { LocalCluster } from "../support/local-cluster.ts";
import { pollUntil } from "../support/until.ts";

let cluster: LocalCluster | undefined;
let docker: Docker;
let api: ApiServerProcess;
let nodes: AgentNode[] = [];
let pool = { first: "", last: "" };

const until = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> =>
  pollUntil(what, probe, { timeoutMs, diagnostics: () => cluster?.diagnostics() });

async function getJson<T>(path: string): Promise<T | undefined> {
  const r = await api.request(path);
  return r.status === 200 ? (JSON.parse(r.body) as T) : undefined;
}

async function send(method: string, path: string, body?: unknown, contentType?: string): Promise<void> {
  const r = await api.request(path, { method, ...(body !== undefined ? { body: JSON.stringify(body) } : {}), ...(contentType !== undefined ? { contentType } : {}) });
  assert.ok(r.status >= 200 && r.status < 300, `${method} ${path}: ${r.status} ${r.body}`);
}

const mergePatch = (path: string, body: unknown): Promise<void> => send("PATCH", path, body, "application/merge-patch+json");

/** One GET from the host on a fresh connection: the body, or the error's code. */
function hostGet(url: string, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve) => {
    const req = get(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve(body));
    });
    req.on("error", (e: NodeJS.ErrnoException) => resolve(`error:${e.code ?? e.message}`));
    req.on("timeout", () => req.destroy(Object.assign(new Error("timeout"), { code: "TIMEOUT" })));
  });
}

const field = (body: string, name: string): string | undefined => new RegExp(`${name}=(\\S+)`).exec(body)?.[1];

// An HTTP server in the pod that answers with its pod name and the address the request came from.
const echoServer = "require('http').createServer((q,s)=>s.end('hostname='+require('os').hostname()+' client='+q.socket.remoteAddress.replace(/^::ffff:/,'')+'\\n')).listen(8080)";

const echoPods = async (): Promise<V1Pod[]> => ((await getJson<V1PodList>("/api/v1/namespaces/default/pods?labelSelector=app%3Decho"))?.items ?? []).filter((p) => p.metadata?.deletionTimestamp === undefined);
const isReady = (p: V1Pod): boolean => p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
const lbService = async (): Promise<V1Service> => (await getJson<V1Service>("/api/v1/namespaces/default/services/echo"))!;

/** The nodes whose interface holds the address. */
async function holders(ip: string): Promise<string[]> {
  const out: string[] = [];
  for (const n of nodes) {
    const r = await n.exec(["/bin/busybox", "ip", "-o", "-4", "addr", "show"]).catch(() => undefined);
    if (r !== undefined && r.stdout.includes(` ${ip}/32 `)) out.push(n.nodeName);
  }
  return out;
}

const prefix = (cidr: string): string => cidr.split(".").slice(0, 3).join(".");

before(async () => {
  // The test network is a /24: .0/26 Docker's, .64/26 services, .128/27 and
  // .160/27 the two nodes' pods; the pool takes .240-.250, which nothing uses.
  cluster = await LocalCluster.start({
    name: "svct",
    nodes: 2,
    scheduler: true,
    controllerManager: true,
    controllerManagerArgs: (net) => [`--load-balancer-ip-range=${prefix(net.subnet)}.240-${prefix(net.subnet)}.250`],
  });
  ({ docker, nodes } = cluster);
  api = cluster.api!;
  pool = { first: `${prefix(cluster.net.subnet)}.240`, last: `${prefix(cluster.net.subnet)}.250` };
});

after(async () => {
  await cluster?.stop();
});

const inPool = (ip: string | undefined): boolean => {
  const last = Number(ip?.split(".")[3] ?? -1);
  return ip !== undefined && prefix(`${ip}/32`) === prefix(pool.first) && last >= 240 && last <= 250;
};

let clientContainer = "";

test("2 nodes Ready; 2 echo replicas, one per node, and a client pod", async () => {
  await cluster!.waitNodesReady();
  await send("POST", "/apis/apps/v1/namespaces/default/deployments", {
    metadata: { name: "echo" },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: "echo" } },
      template: {
        metadata: { labels: { app: "echo" } },
        spec: {
          terminationGracePeriodSeconds: 1,
          affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: "echo" } }, topologyKey: "kubernetes.io/hostname" }] } },
          containers: [{ name: "echo", image: cluster!.agentImage, command: [nodeBinary, "-e", echoServer], ports: [{ name: "http", containerPort: 8080 }] }],
        },
      },
    },
  });
  await send("POST", "/api/v1/namespaces/default/pods", {
    metadata: { name: "client" },
    spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "client", image: cluster!.agentImage, command: ["/bin/busybox", "sleep", "1000000"] }] },
  });
  const pods = await until("2 echo pods Running and Ready", async () => {
    const items = await echoPods();
    return items.length === 2 && items.every((p) => p.status?.phase === "Running" && isReady(p)) ? items : undefined;
  });
  assert.deepEqual(new Set(pods.map((p) => p.spec?.nodeName)), new Set(cluster!.nodeNames));
  await until("the client pod Running", async () => ((await getJson<V1Pod>("/api/v1/namespaces/default/pods/client"))?.status?.phase === "Running" ? true : undefined));
  const found = await docker.listContainers({ filters: { label: ["skiff.pod-name=client", "skiff.container-kind=app"] } });
  clientContainer = found.find((c) => cluster!.nodeNames.includes(c.Labels["skiff.node"] ?? ""))!.Id;
});

test("ExternalName: busybox nslookup in a pod gets the CNAME (and the target's address when it is a cluster name); no cluster IP", async () => {
  await send("POST", "/api/v1/namespaces/default/services", { metadata: { name: "mail" }, spec: { type: "ExternalName", externalName: "mail.example.org" } });
  await send("POST", "/api/v1/namespaces/default/services", { metadata: { name: "inner" }, spec: { type: "ExternalName", externalName: "echo-internal.default.svc.cluster.local" } });
  await send("POST", "/api/v1/namespaces/default/services", { metadata: { name: "echo-internal" }, spec: { selector: { app: "echo" }, ports: [{ port: 80, targetPort: 8080 }] } });
  const internalIp = (await getJson<V1Service>("/api/v1/namespaces/default/services/echo-internal"))!.spec!.clusterIP!;
  const mail = await until("the CNAME of mail", async () => {
    const r = await execInContainer(docker, clientContainer, ["/bin/busybox", "nslookup", "mail.default.svc.cluster.local"], 20_000);
    return r.stdout.includes("canonical name = mail.example.org") ? r.stdout : undefined;
  });
  assert.doesNotMatch(mail, /Address: \d+\.\d+\.\d+\.\d+\s*$/m, "an outside name is not resolved further (the network is sealed)");
  const inner = await until("the CNAME and address of inner", async () => {
    const r = await execInContainer(docker, clientContainer, ["/bin/busybox", "nslookup", "inner.default.svc.cluster.local"], 20_000);
    return r.stdout.includes(`Address: ${internalIp}`) ? r.stdout : undefined;
  });
  assert.match(inner, /canonical name = echo-internal\.default\.svc\.cluster\.local/);
  for (const bin of [kubectl132, kubectl120]) {
    const out = api.kubectl(bin, ["get", "svc", "mail"]);
    assert.equal(out.status, 0, out.stderr);
    assert.match(out.stdout, /mail\s+ExternalName\s+<none>\s+mail\.example\.org\s+<none>/);
  }
});

let lbIp = "";
let nodePort = 0;

test("LoadBalancer: an address from the pool in status and EXTERNAL-IP, held by exactly one node, answering the host from every replica", async () => {
  await send("POST", "/api/v1/namespaces/default/services", { metadata: { name: "echo" }, spec: { type: "LoadBalancer", selector: { app: "echo" }, ports: [{ port: 80, targetPort: "http" }] } });
  const svc = await until("an ingress address", async () => {
    const s = await lbService();
    return s.status?.loadBalancer?.ingress?.[0]?.ip !== undefined ? s : undefined;
  });
  lbIp = svc.status!.loadBalancer!.ingress![0]!.ip!;
  nodePort = svc.spec!.ports![0]!.nodePort!;
  assert.ok(inPool(lbIp), lbIp);
  assert.ok(nodePort >= 30000, String(nodePort));
  assert.match(svc.spec!.clusterIP!, /^\d+\.\d+\.\d+\.\d+$/);
  for (const bin of [kubectl132, kubectl120]) {
    const out = api.kubectl(bin, ["get", "svc", "echo"]);
    assert.equal(out.status, 0, out.stderr);
    assert.match(out.stdout, new RegExp(`echo\\s+LoadBalancer\\s+\\S+\\s+${lbIp.replaceAll(".", "\\.")}\\s+80:${nodePort}/TCP`));
  }
  const held = await until("one node holding the address", async () => {
    const h = await holders(lbIp);
    return h.length === 1 ? h : undefined;
  });
  assert.equal(held.length, 1);
  const names = new Set((await echoPods()).map((p) => p.metadata!.name!));
  const seen = await until("both replicas through the load balancer address", async () => {
    const s = new Set<string>();
    for (let i = 0; i < 20; i++) s.add(field(await hostGet(`http://${lbIp}/`), "hostname") ?? "none");
    return [...names].every((n) => s.has(n)) ? s : undefined;
  });
  assert.deepEqual([...seen].sort(), [...names].sort());
});

test("externalTrafficPolicy Local: a health check node port, the client's own address reaches the pod, a node without a local pod does not answer", async () => {
  await mergePatch("/apis/apps/v1/namespaces/default/deployments/echo", { spec: { replicas: 1 } });
  const [pod] = await until("1 echo pod left", async () => {
    const items = await echoPods();
    return items.length === 1 && isReady(items[0]!) ? items : undefined;
  });
  await until("the Endpoints with 1 address", async () => {
    const ep = await getJson<{ subsets?: { addresses?: unknown[] }[] }>("/api/v1/namespaces/default/endpoints/echo");
    return (ep?.subsets ?? []).flatMap((s) => s.addresses ?? []).length === 1 ? true : undefined;
  });
  await mergePatch("/api/v1/namespaces/default/services/echo", { spec: { externalTrafficPolicy: "Local" } });
  const svc = await lbService();
  assert.ok((svc.spec?.healthCheckNodePort ?? 0) >= 30000, JSON.stringify(svc.spec));
  const withPod = nodes.find((n) => n.nodeName === pod!.spec!.nodeName)!;
  const without = nodes.find((n) => n.nodeName !== pod!.spec!.nodeName)!;
  const host = cluster!.net.gateway;
  const viaNodePort = await until("the pod's node answering its NodePort with the client's address", async () => {
    const b = await hostGet(`http://${withPod.ip}:${nodePort}/`);
    return field(b, "client") === host ? b : undefined;
  });
  assert.equal(field(viaNodePort, "hostname"), pod!.metadata!.name);
  // The address moves to the node with the pod, and keeps the client's address too.
  await until("the pod's node holding the address", async () => ((await holders(lbIp)).join() === withPod.nodeName ? true : undefined));
  const viaLb = await until("the load balancer address answering with the client's address", async () => {
    const b = await hostGet(`http://${lbIp}/`);
    return field(b, "client") === host ? b : undefined;
  });
  assert.equal(field(viaLb, "hostname"), pod!.metadata!.name);
  const dropped = await until("the other node not answering its NodePort", async () => {
    const b = await hostGet(`http://${without.ip}:${nodePort}/`, 2000);
    return b === "error:TIMEOUT" ? b : undefined;
  });
  assert.equal(dropped, "error:TIMEOUT");
  // Cluster again: the other node forwards (masqueraded) to the pod on the first.
  await mergePatch("/api/v1/namespaces/default/services/echo", { spec: { externalTrafficPolicy: "Cluster" } });
  const forwarded = await until("the other node answering again", async () => {
    const b = await hostGet(`http://${without.ip}:${nodePort}/`);
    return field(b, "hostname") === pod!.metadata!.name ? b : undefined;
  });
  assert.notEqual(field(forwarded, "client"), host);
});

test("killing the announcing node moves the address to the other node, which keeps answering on it", async () => {
  const [holder] = await until("one holder", async () => {
    const h = await holders(lbIp);
    return h.length === 1 ? h : undefined;
  });
  const victim = nodes.find((n) => n.nodeName === holder)!;
  const survivor = nodes.find((n) => n.nodeName !== holder)!;
  // The replica must live on the survivor for the address to answer after the kill.
  await mergePatch("/apis/apps/v1/namespaces/default/deployments/echo", { spec: { replicas: 2 } });
  await until("2 echo pods Ready", async () => {
    const items = await echoPods();
    return items.length === 2 && items.every(isReady) ? true : undefined;
  });
  await docker.getContainer(victim.id).kill();
  await until("the survivor holding the address", async () => ((await holders(lbIp)).join() === survivor.nodeName ? true : undefined));
  const body = await until("the address answering from the survivor's pod", async () => {
    const b = await hostGet(`http://${lbIp}/`);
    return field(b, "hostname") !== undefined ? b : undefined;
  });
  const onSurvivor = (await echoPods()).filter((p) => p.spec?.nodeName === survivor.nodeName).map((p) => p.metadata!.name);
  assert.ok(onSurvivor.includes(field(body, "hostname")), `${body} not from ${onSurvivor.join()}`);
});

test("deleting the LoadBalancer frees its address for the next one", async () => {
  await send("DELETE", "/api/v1/namespaces/default/services/echo");
  await send("POST", "/api/v1/namespaces/default/services", { metadata: { name: "echo2" }, spec: { type: "LoadBalancer", loadBalancerIP: lbIp, selector: { app: "echo" }, ports: [{ port: 80, targetPort: 8080 }] } });
  const ip = await until("echo2 getting the freed address", async () => (await getJson<V1Service>("/api/v1/namespaces/default/services/echo2"))?.status?.loadBalancer?.ingress?.[0]?.ip);
  assert.equal(ip, lbIp);
});

test("Ingress: the controller as a pod behind a LoadBalancer routes by host and path (Prefix, Exact), falls back to the default backend, and ignores other classes", async () => {
  await send("POST", "/apis/apps/v1/namespaces/default/deployments", {
    metadata: { name: "other" },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "other" } },
      template: { metadata: { labels: { app: "other" } }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "echo", image: cluster!.agentImage, command: [nodeBinary, "-e", echoServer] }] } },
    },
  });
  await send("POST", "/api/v1/namespaces/default/services", { metadata: { name: "other" }, spec: { selector: { app: "other" }, ports: [{ port: 80, targetPort: 8080 }] } });
  // The controller reaches the API server with a kubeconfig from a Secret (the API server listens on the bridge address).
  const { readFileSync } = await import("node:fs");
  await send("POST", "/api/v1/namespaces/default/secrets", { metadata: { name: "ingress-kubeconfig" }, stringData: { kubeconfig: readFileSync(api.kubeconfig, "utf8") } });
  await send("POST", "/apis/apps/v1/namespaces/default/deployments", {
    metadata: { name: "ingress" },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "ingress" } },
      template: {
        metadata: { labels: { app: "ingress" } },
        spec: {
          terminationGracePeriodSeconds: 1,
          volumes: [{ name: "kubeconfig", secret: { secretName: "ingress-kubeconfig" } }],
          containers: [
            {
              name: "ingress",
              image: cluster!.agentImage,
              command: [nodeBinary, "/skiff/node-agent.mjs", "ingress", "--kubeconfig=/etc/ingress/kubeconfig", "--port=8080"],
              volumeMounts: [{ name: "kubeconfig", mountPath: "/etc/ingress" }],
              ports: [{ name: "http", containerPort: 8080 }],
            },
          ],
        },
      },
    },
  });
  await send("POST", "/api/v1/namespaces/default/services", { metadata: { name: "ingress" }, spec: { type: "LoadBalancer", selector: { app: "ingress" }, ports: [{ port: 80, targetPort: "http" }] } });
  await send("POST", "/apis/networking.k8s.io/v1/ingressclasses", { metadata: { name: "skiff" }, spec: { controller: "skiff.io/ingress" } });
  const backend = (name: string): unknown => ({ service: { name, port: { number: 80 } } });
  await send("POST", "/apis/networking.k8s.io/v1/namespaces/default/ingresses", {
    metadata: { name: "shop" },
    spec: {
      ingressClassName: "skiff",
      defaultBackend: backend("echo-internal"),
      rules: [
        {
          host: "shop.example.org",
          http: {
            paths: [
              { path: "/", pathType: "Prefix", backend: backend("other") },
              { path: "/api", pathType: "Prefix", backend: backend("echo-internal") },
              { path: "/exact", pathType: "Exact", backend: backend("echo-internal") },
            ],
          },
        },
      ],
    },
  });
  await send("POST", "/apis/networking.k8s.io/v1/namespaces/default/ingresses", {
    metadata: { name: "foreign" },
    spec: { ingressClassName: "nginx", rules: [{ host: "foreign.example.org", http: { paths: [{ path: "/", pathType: "Prefix", backend: backend("other") }] } }] },
  });
  const address = await until("the ingress Service's address", async () => (await getJson<V1Service>("/api/v1/namespaces/default/services/ingress"))?.status?.loadBalancer?.ingress?.[0]?.ip);
  const withHost = (host: string, path: string): Promise<string> =>
    new Promise((resolve) => {
      const req = get({ host: address, port: 80, path, headers: { host }, agent: false, timeout: 3000 }, (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => resolve(`${res.statusCode ?? 0} ${body}`));
      });
      req.on("error", (e: NodeJS.ErrnoException) => resolve(`error:${e.code ?? e.message}`));
      req.on("timeout", () => req.destroy(Object.assign(new Error("timeout"), { code: "TIMEOUT" })));
    });
  const app = (answer: string): string => field(answer, "hostname")?.split("-")[0] ?? answer;
  await until("the ingress controller answering", async () => (app(await withHost("shop.example.org", "/")) === "other" ? true : undefined), 180_000);
  assert.equal(app(await withHost("shop.example.org", "/cart")), "other");
  assert.equal(app(await withHost("shop.example.org", "/api/orders")), "echo");
  assert.equal(app(await withHost("shop.example.org", "/exact")), "echo");
  assert.equal(app(await withHost("shop.example.org", "/exact/more")), "other", "Exact matches only its own path");
  assert.equal(app(await withHost("unknown.example.org", "/")), "echo", "the default backend");
  assert.equal(app(await withHost("foreign.example.org", "/")), "echo", "another class's Ingress is not served: the default backend answers");
  for (const bin of [kubectl132, kubectl120]) {
    const out = api.kubectl(bin, ["get", "ingress", "shop"]);
    assert.equal(out.status, 0, out.stderr);
    assert.match(out.stdout, /shop\s+skiff\s+shop\.example\.org\s+\S*\s*80\s/);
  }
});
