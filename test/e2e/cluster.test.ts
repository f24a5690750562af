// The whole cluster on the machine's Docker engine: a 3-member store, the
// API server (listening on the sealed network's bridge address), the
// scheduler and the controller manager as host processes, and 3 nodes as
// skiff/node-agent containers. A Deployment of 3 demo-app replicas spreads
// over the 3 nodes and becomes Ready; its Service answers from a client pod
// by VIP and by DNS name, from every replica; the NodePort answers on every
// node's IP from the host; a failing readiness probe takes a pod out of the
// Endpoints and the VIP; a missing image gives ErrImageNeverPull while the
// rest keeps serving; deleting everything leaves no container, volume or
// network behind.
import assert from "node:assert/strict";
import { get } from "node:http";
import { after, before, test } from "node:test";
import type { V1Endpoints, V1Pod, V1PodList } from "@kubernetes/client-node";
import type Docker from "dockerode";
import { nodeBinary } from "../../deploy/images/images.ts";
import { execInContainer } from "../../node-agent/kubelet/runtime/exec.ts";
import type { AgentNode } from "../support/agent-node.ts";
import type { ApiServerProcess } from "../support/apiserver.ts";
import type { TestNetwork } from "../support/cluster-network.ts";
import { removeByLabel } from "../support/docker.ts";
import { LocalCluster } from "../support/local-cluster.ts";
import { nodeAgentImage } from "../support/node-agent-image.ts";
import { pollUntil } from "../support/until.ts";

let cluster: LocalCluster | undefined;
let docker: Docker;
let net: TestNetwork;
let api: ApiServerProcess;
let nodes: AgentNode[] = [];
let nodeNames: string[] = [];

const prefix = (cidr: string): string => cidr.split(".").slice(0, 3).join(".");

const until = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> =>
  pollUntil(what, probe, { timeoutMs, diagnostics: () => cluster?.diagnostics() });

async function getJson<T>(path: string): Promise<T | undefined> {
  const r = await api.request(path);
  return r.status === 200 ? (JSON.parse(r.body) as T) : undefined;
}

async function send(method: string, path: string, body?: unknown): Promise<void> {
  const r = await api.request(path, { method, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  assert.ok(r.status >= 200 && r.status < 300, `${method} ${path}: ${r.status} ${r.body}`);
}

before(async () => {
  cluster = await LocalCluster.start({ name: "e2e", nodes: 3, scheduler: true, controllerManager: true });
  ({ docker, net, nodes, nodeNames } = cluster);
  api = cluster.api!;
});

after(async () => {
  await cluster?.stop();
});

const isReady = (p: V1Pod): boolean => p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
const webPods = async (): Promise<V1Pod[]> => (await getJson<V1PodList>("/api/v1/namespaces/default/pods?labelSelector=app%3Dweb"))?.items ?? [];

// Runs `n` sequential GETs of url from inside a pod's container; returns how often each replica answered.
async function requestsFrom(containerId: string, url: string, n: number): Promise<Record<string, number>> {
  const script = `const http=require('http');const seen={};const one=()=>new Promise(r=>{const q=http.get(process.argv[1],{agent:false,timeout:3000},res=>{let b='';res.on('data',c=>b+=c);res.on('end',()=>{const m=/hostname=(\\S+)/.exec(b);const k=m?m[1]:'status:'+res.statusCode;seen[k]=(seen[k]||0)+1;r()})});q.on('error',e=>{const k='error:'+e.code;seen[k]=(seen[k]||0)+1;r()});q.on('timeout',()=>q.destroy(Object.assign(new Error('timeout'),{code:'TIMEOUT'})))});(async()=>{for(let i=0;i<+process.argv[2];i++)await one();console.log(JSON.stringify(seen))})()`;
  const r = await execInContainer(docker, containerId, [nodeBinary, "-e", script, url, String(n)], 120_000);
  return JSON.parse(r.stdout.trim() || "{}") as Record<string, number>;
}

function hostGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: false, timeout: 5000 }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve(body));
    });
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error("timeout")));
  });
}

let clientContainer = "";
let nodePort = 0;
const vip = (): string => `${prefix(net.serviceCidr)}.80`;

test("3 nodes register Ready; a Deployment of 3 demo-app replicas spreads over them and becomes 3/3 Running and Ready", async () => {
  await cluster!.waitNodesReady();
  await send("POST", "/apis/apps/v1/namespaces/default/deployments", {
    metadata: { name: "web" },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: {
          terminationGracePeriodSeconds: 2,
          affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: "web" } }, topologyKey: "kubernetes.io/hostname" }] } },
          volumes: [{ name: "flags", emptyDir: {} }],
          containers: [
            {
              name: "web",
              image: "skiff/demo-app:latest",
              ports: [{ name: "http", containerPort: 8080 }],
              volumeMounts: [{ name: "flags", mountPath: "/flags" }],
              // Ready unless /flags/down exists: the test turns one replica unready.
              readinessProbe: { exec: { command: [nodeBinary, "-e", "process.exit(require('fs').existsSync('/flags/down')?1:0)"] }, periodSeconds: 1, failureThreshold: 1 },
            },
          ],
        },
      },
    },
  });
  const pods = await until("3 web pods Running and Ready", async () => {
    const items = await webPods();
    return items.length === 3 && items.every((p) => p.status?.phase === "Running" && isReady(p)) ? items : undefined;
  });
  assert.deepEqual(new Set(pods.map((p) => p.spec?.nodeName)), new Set(nodeNames), "one replica per node");
  for (const p of pods) {
    const node = nodes.find((n) => n.nodeName === p.spec?.nodeName)!;
    assert.equal(p.status?.hostIP, node.ip);
  }
  await until("the Deployment 3/3 available", async () => {
    const d = await getJson<{ status?: { availableReplicas?: number; readyReplicas?: number } }>("/apis/apps/v1/namespaces/default/deployments/web");
    return d?.status?.availableReplicas === 3 && d.status.readyReplicas === 3 ? true : undefined;
  });
});

test("the Service answers from a client pod by VIP and by DNS name, from all 3 replicas", async () => {
  await send("POST", "/api/v1/namespaces/default/services", {
    metadata: { name: "web" },
    spec: { type: "NodePort", selector: { app: "web" }, clusterIP: vip(), ports: [{ name: "http", port: 80, targetPort: "http" }] },
  });
  const svc = await getJson<{ spec: { ports: { nodePort: number }[] } }>("/api/v1/namespaces/default/services/web");
  nodePort = svc!.spec.ports[0]!.nodePort;
  await send("POST", "/api/v1/namespaces/default/pods", {
    metadata: { name: "client" },
    spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "client", image: nodeAgentImage, command: ["/bin/busybox", "sleep", "1000000"] }] },
  });
  await until("the client pod Running", async () => ((await getJson<V1Pod>("/api/v1/namespaces/default/pods/client"))?.status?.phase === "Running" ? true : undefined));
  const found = await docker.listContainers({ filters: { label: ["skiff.pod-name=client", "skiff.container-kind=app"] } });
  clientContainer = found.find((c) => nodeNames.includes(c.Labels["skiff.node"] ?? ""))!.Id;
  const names = new Set((await webPods()).map((p) => p.metadata!.name!));
  for (const url of [`http://${vip()}/`, "http://web/", "http://web.default.svc.cluster.local/"]) {
    const seen = await until(`all 3 replicas through ${url}`, async () => {
      const s = await requestsFrom(clientContainer, url, 30);
      return [...names].every((n) => (s[n] ?? 0) > 0) ? s : undefined;
    });
    assert.deepEqual(Object.keys(seen).sort(), [...names].sort(), `only replicas answered: ${JSON.stringify(seen)}`);
  }
});

test("the NodePort answers on every node's IP from the host", async () => {
  assert.ok(nodePort >= 30000 && nodePort <= 30099, String(nodePort));
  for (const n of nodes) {
    const body = await until(`the NodePort on ${n.nodeName}`, async () => {
      const b = await hostGet(`http://${n.ip}:${nodePort}/`);
      return /hostname=web-/.test(b) ? b : undefined;
    });
    assert.match(body, /hostname=web-/);
  }
});

test("a failing readiness probe takes the pod out of the Endpoints and the VIP stops sending to it", async () => {
  const pods = await webPods();
  const victim = pods[0]!;
  const app = (await docker.listContainers({ filters: { label: [`skiff.pod-uid=${victim.metadata!.uid!}`, "skiff.container-kind=app"] } }))[0]!;
  const exec = await docker.getContainer(app.Id).exec({ Cmd: [nodeBinary, "-e", "require('fs').writeFileSync('/flags/down','')"], User: "0" });
  await exec.start({ Detach: true }).then((s: unknown) => (s as { destroy?: () => void } | null)?.destroy?.());
  await until("the victim in notReadyAddresses", async () => {
    const ep = await getJson<V1Endpoints>("/api/v1/namespaces/default/endpoints/web");
    const ready = (ep?.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.targetRef?.name));
    const notReady = (ep?.subsets ?? []).flatMap((s) => (s.notReadyAddresses ?? []).map((a) => a.targetRef?.name));
    return notReady.includes(victim.metadata!.name!) && ready.length === 2 ? true : undefined;
  });
  const others = pods.slice(1).map((p) => p.metadata!.name!).sort();
  const seen = await until("the VIP sending only to the 2 ready replicas", async () => {
    const s = await requestsFrom(clientContainer, `http://${vip()}/`, 30);
    return Object.keys(s).sort().join() === others.join() ? s : undefined;
  });
  assert.deepEqual(Object.keys(seen).sort(), others);
});

test("a missing image gives ErrImageNeverPull while the other pods keep running", async () => {
  await send("POST", "/api/v1/namespaces/default/pods", {
    metadata: { name: "missing" },
    spec: { containers: [{ name: "app", image: "skiff/no-such-image:1" }] },
  });
  const pod = await until("ErrImageNeverPull", async () => {
    const p = await getJson<V1Pod>("/api/v1/namespaces/default/pods/missing");
    return p?.status?.containerStatuses?.[0]?.state?.waiting?.reason === "ErrImageNeverPull" ? p : undefined;
  });
  assert.match(pod.status?.containerStatuses?.[0]?.state?.waiting?.message ?? "", /no-such-image/);
  assert.equal(pod.status?.phase, "Pending");
  const web = await webPods();
  assert.equal(web.filter((p) => p.status?.phase === "Running").length, 3);
  const s = await requestsFrom(clientContainer, "http://web/", 10);
  assert.ok(Object.keys(s).every((k) => k.startsWith("web-")), JSON.stringify(s));
});

test("deleting everything leaves no pod container or volume, and removing the nodes leaves no container or network", async () => {
  await send("DELETE", "/apis/apps/v1/namespaces/default/deployments/web");
  await send("DELETE", "/api/v1/namespaces/default/services/web");
  // The garbage collector deletes the ReplicaSet and its pods too: deleting
  // them here may find them gone already (404).
  const gone = async (path: string): Promise<void> => {
    const r = await api.request(path, { method: "DELETE" });
    assert.ok((r.status >= 200 && r.status < 300) || r.status === 404, `DELETE ${path}: ${r.status} ${r.body}`);
  };
  const rs = (await getJson<{ items: { metadata: { name: string } }[] }>("/apis/apps/v1/namespaces/default/replicasets"))?.items ?? [];
  for (const r of rs) await gone(`/apis/apps/v1/namespaces/default/replicasets/${r.metadata.name}`);
  const all = (await getJson<V1PodList>("/api/v1/namespaces/default/pods"))?.items ?? [];
  for (const p of all) await gone(`/api/v1/namespaces/default/pods/${p.metadata!.name!}`);
  await until("no pod container or volume of any node left", async () => {
    let left = 0;
    for (const name of nodeNames) {
      left += (await docker.listContainers({ all: true, filters: { label: [`skiff.node=${name}`] } })).length;
      left += ((await docker.listVolumes({ filters: { label: [`skiff.node=${name}`] } })).Volumes ?? []).length;
    }
    return left === 0 ? true : undefined;
  });
  const run = cluster!.run.filter;
  await removeByLabel(docker, run);
  const containers = await docker.listContainers({ all: true, filters: { label: [run] } });
  const networks = await docker.listNetworks({ filters: { label: [run] } });
  assert.deepEqual([containers.length, networks.length], [0, 0]);
});
