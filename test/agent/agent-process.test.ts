// `skiff agent` as a process in a skiff/node-agent container against a real
// API server (on a 3-member store) that listens on the test network's bridge
// address: the Node is registered and its Lease renewed, a pod bound to the
// node runs and reports Running and Ready through pods/status, a Service is
// served by the node's rules and DNS, and a restarted agent adopts the pod
// without restarting it and removes the containers of a pod deleted while
// it was down; `kubectl logs` reaches the pod's containers through the API
// server and the agent's HTTPS endpoint.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { V1Lease, V1Node, V1Pod } from "@kubernetes/client-node";
import type Docker from "dockerode";
import { AgentNode, kubeconfigFor } from "../support/agent-node.ts";
import { nodeBinary } from "../../deploy/images/images.ts";
import { ApiServerProcess, kubectl120, kubectl132 } from "../support/apiserver.ts";
import { connectDocker, createTestNetwork, type TestNetwork } from "../support/cluster-network.ts";
import { removeByLabel, testRunLabel } from "../support/docker.ts";
import { sample } from "../support/metrics.ts";
import { ensureNodeAgentImage, nodeAgentImage } from "../support/node-agent-image.ts";
import { pollUntil } from "../support/until.ts";

const run = testRunLabel("agent");
const labels = { [run.key]: run.value };
const nodeName = `node-${run.value}`;
let docker: Docker;
let agentImage = "";
let net: TestNetwork;
let api: ApiServerProcess | undefined;
let agent: AgentNode | undefined;

const until = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> =>
  pollUntil(what, probe, { timeoutMs, intervalMs: 300, diagnostics: async () => `agent log:\n${(await agent?.logs().catch(() => "")) ?? ""}`.slice(-6000) });

async function getJson<T>(path: string): Promise<T | undefined> {
  const r = await api!.request(path);
  return r.status === 200 ? (JSON.parse(r.body) as T) : undefined;
}

async function post(path: string, body: unknown): Promise<void> {
  const r = await api!.request(path, { method: "POST", body: JSON.stringify(body) });
  assert.equal(r.status, 201, r.body);
}

before(async () => {
  docker = await connectDocker();
  agentImage = await ensureNodeAgentImage(docker);
  net = await createTestNetwork(docker, `skiff-test-${run.value}`, labels);
  api = await ApiServerProcess.start("skiff", { host: net.gateway, serviceCidr: net.serviceCidr });
  const kubeconfig = kubeconfigFor(readFileSync(api.kubeconfig, "utf8"), api.url);
  agent = await AgentNode.start(docker, {
    network: net.name,
    nodeName,
    kubeconfig,
    podCidr: net.podCidr,
    serviceCidr: net.serviceCidr,
    labels,
    image: agentImage,
    mode: "exec",
    flags: ["--cpu=1500m", "--memory=512Mi", "--max-pods=20", "--register-with-taints=dedicated=test:PreferNoSchedule", "--node-lease-renew-interval=1s"],
  });
});

after(async () => {
  agent?.cleanup();
  try {
    // Pods' containers and volumes carry the node's label (the agent's own, not the test run's).
    if (docker !== undefined) {
      // The agent first (alive, it would start its pods again), then its
      // pods, then the network (it cannot go while they are attached).
      await removeByLabel(docker, run.filter).catch(() => undefined);
      await removeByLabel(docker, `skiff.node=${nodeName}`);
      await removeByLabel(docker, run.filter);
    }
  } finally {
    // Even when cleanup fails: a live API server and store would keep this test file from ever ending.
    await api?.stop();
  }
});

test("the agent registers its Node (capacity, labels, InternalIP, pod CIDR, taints, conditions) and renews its Lease", async () => {
  const node = await until("the Node", () => getJson<V1Node>(`/api/v1/nodes/${nodeName}`));
  assert.equal(node.metadata?.labels?.["kubernetes.io/hostname"], nodeName);
  assert.equal(node.metadata?.labels?.["kubernetes.io/os"], "linux");
  assert.deepEqual(node.status?.capacity, { cpu: "1500m", memory: `${512 * 1024}Ki`, pods: "20" });
  assert.deepEqual(node.status?.allocatable, node.status?.capacity);
  assert.equal(node.status?.addresses?.find((a) => a.type === "InternalIP")?.address, agent!.ip);
  assert.equal(node.spec?.podCIDR, net.podCidr);
  assert.deepEqual(node.spec?.taints, [{ key: "dedicated", value: "test", effect: "PreferNoSchedule" }]);
  const conditions = Object.fromEntries((node.status?.conditions ?? []).map((c) => [c.type, c.status]));
  assert.deepEqual(conditions, { MemoryPressure: "False", DiskPressure: "False", PIDPressure: "False", Ready: "True" });

  const leasePath = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${nodeName}`;
  const first = await until("the Lease", () => getJson<V1Lease>(leasePath));
  assert.equal(first.spec?.holderIdentity, nodeName);
  const renewed = await until("a renewal", async () => {
    const l = await getJson<V1Lease>(leasePath);
    return l !== undefined && String(l.spec?.renewTime) !== String(first.spec?.renewTime) ? l : undefined;
  });
  assert.ok(new Date(String(renewed.spec?.renewTime)) > new Date(String(first.spec?.renewTime)));
});

const podPath = (name: string) => `/api/v1/namespaces/default/pods/${name}`;

function webPod(name: string): V1Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels: { app: "web" } },
    spec: {
      nodeName,
      terminationGracePeriodSeconds: 2,
      containers: [{ name: "web", image: "skiff/demo-app:latest", ports: [{ containerPort: 8080 }], readinessProbe: { httpGet: { path: "/healthz", port: 8080 }, periodSeconds: 1 } }],
    },
  };
}

const isReady = (p: V1Pod | undefined): boolean => p?.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";

test("a pod bound to the node runs, reports Running and Ready, and a Service reaches it by VIP and DNS name from the node", async () => {
  await post("/api/v1/namespaces/default/pods", webPod("web-1"));
  const pod = await until("web-1 Running and Ready", async () => {
    const p = await getJson<V1Pod>(podPath("web-1"));
    return p?.status?.phase === "Running" && isReady(p) ? p : undefined;
  });
  assert.equal(pod.status?.hostIP, agent!.ip);
  assert.ok(pod.status?.podIP?.startsWith(net.podCidr.split(".").slice(0, 3).join(".")), pod.status?.podIP);
  assert.equal(pod.status?.containerStatuses?.[0]?.restartCount, 0);

  await post("/api/v1/namespaces/default/services", {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "web" },
    spec: { selector: { app: "web" }, clusterIP: `${net.serviceCidr.split(".").slice(0, 3).join(".")}.70`, ports: [{ name: "http", port: 80, targetPort: 8080 }] },
  });
  // Step 1 has no Endpoints controller: the test writes the Endpoints itself.
  await post("/api/v1/namespaces/default/endpoints", {
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: { name: "web" },
    subsets: [{ addresses: [{ ip: pod.status!.podIP! }], ports: [{ name: "http", port: 8080 }] }],
  });
  const vip = `${net.serviceCidr.split(".").slice(0, 3).join(".")}.70`;
  const resolve = `const r=new (require('dns').promises.Resolver)();r.setServers([process.argv[1]]);r.resolve4('web.default.svc.cluster.local').then(a=>console.log(a.join(',')),e=>console.log(e.code))`;
  const answer = await until("the DNS answer", async () => {
    const r = await agent!.node(resolve, agent!.ip);
    return r.stdout.trim() === vip ? r.stdout.trim() : undefined;
  });
  assert.equal(answer, vip);
  const get = `require('http').get('http://'+process.argv[1]+'/',r=>{let b='';r.on('data',c=>b+=c);r.on('end',()=>console.log(b.trim()))}).on('error',e=>console.log(e.code))`;
  const body = await until("an answer through the VIP", async () => {
    const r = await agent!.node(get, vip);
    return r.stdout.includes("hostname=web-1") ? r.stdout : undefined;
  });
  assert.match(body, /hostname=web-1/);
});

// GET on the agent's HTTPS port (10250) as the API server calls it: with a client certificate of the cluster's CA.
function fromAgent(path: string, withCert = true): Promise<{ status: number; body: string }> {
  const pki = join(api!.dir, "pki");
  const cert = withCert ? { cert: readFileSync(join(pki, "admin.crt")), key: readFileSync(join(pki, "admin.key")) } : {};
  return new Promise((resolve, reject) => {
    const req = request({ host: agent!.ip, port: 10250, path, rejectUnauthorized: false, timeout: 10_000, ...cert }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
    req.end();
  });
}

test("kubelet's metrics on the agent's HTTPS port: the pod's start observed, the running pod and container, the node's name", async () => {
  const text = await until("kubelet metrics with web-1 started", async () => {
    const r = await fromAgent("/metrics");
    return r.status === 200 && sample(r.body, "kubelet_pod_start_duration_seconds_count") >= 1 ? r.body : undefined;
  });
  assert.ok(sample(text, "kubelet_pod_start_duration_seconds_sum") > 0, text);
  assert.ok(sample(text, "kubelet_running_pods") >= 1, text);
  assert.ok(sample(text, "kubelet_running_containers", { container_state: "running" }) >= 1, text);
  assert.equal(sample(text, "kubelet_node_name", { node: nodeName }), 1, text);
  await assert.rejects(fromAgent("/metrics", false), "a client without a certificate of the cluster's CA is refused");
});

test("a restarted agent adopts its running pod without restarting it and removes a pod deleted while it was down", async () => {
  await post("/api/v1/namespaces/default/pods", webPod("web-2"));
  const web2 = await until("web-2 Ready", async () => {
    const p = await getJson<V1Pod>(podPath("web-2"));
    return isReady(p) ? p : undefined;
  });
  const before1 = await getJson<V1Pod>(podPath("web-1"));
  const containerId = before1?.status?.containerStatuses?.[0]?.containerID;
  assert.ok(containerId !== undefined);

  await agent!.stopAgent();
  const del = await api!.request(`${podPath("web-2")}?gracePeriodSeconds=0`, { method: "DELETE" });
  assert.equal(del.status, 200, del.body);
  await agent!.startAgent();

  await until("web-2's containers removed", async () => {
    const left = await docker.listContainers({ all: true, filters: { label: [`skiff.pod-uid=${web2.metadata!.uid!}`] } });
    return left.length === 0 ? true : undefined;
  });
  const after1 = await getJson<V1Pod>(podPath("web-1"));
  assert.equal(after1?.status?.containerStatuses?.[0]?.containerID, containerId, "the same container");
  assert.equal(after1?.status?.containerStatuses?.[0]?.restartCount, 0);
  const inspected = await docker.getContainer(containerId.replace("docker://", "")).inspect();
  assert.equal(inspected.State.Running, true);
  assert.equal(inspected.RestartCount, 0);
  assert.ok(isReady(after1));
});

test("kubectl logs (1.32 and 1.20) through the API server and the agent's HTTPS endpoint: -c, --tail, --timestamps, --previous, -f", async () => {
  await post("/api/v1/namespaces/default/pods", {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "talk" },
    spec: {
      nodeName,
      terminationGracePeriodSeconds: 1,
      containers: [
        { name: "counter", image: nodeAgentImage, command: [nodeBinary, "-e", "let i=0;setInterval(()=>console.log('line '+(++i)),200)"] },
        { name: "crasher", image: nodeAgentImage, command: ["/bin/busybox", "sh", "-c", "echo crash-run; sleep 1; exit 1"] },
      ],
    },
  });
  await until("crasher restarted once", async () => {
    const p = await getJson<V1Pod>(podPath("talk"));
    return (p?.status?.containerStatuses?.find((c) => c.name === "crasher")?.restartCount ?? 0) >= 1 ? true : undefined;
  });
  for (const bin of [kubectl132, kubectl120]) {
    const tail = api!.kubectl(bin, ["logs", "talk", "-c", "counter", "--tail=2"]);
    assert.equal(tail.status, 0, tail.stderr);
    assert.match(tail.stdout, /^line \d+\nline \d+\n$/);
    const stamped = api!.kubectl(bin, ["logs", "talk", "-c", "counter", "--tail=1", "--timestamps"]);
    assert.match(stamped.stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z line \d+\n$/);
    const previous = api!.kubectl(bin, ["logs", "talk", "-c", "crasher", "--previous"]);
    assert.equal(previous.status, 0, previous.stderr);
    assert.equal(previous.stdout, "crash-run\n");
    const wrong = api!.kubectl(bin, ["logs", "talk", "-c", "nope"]);
    assert.notEqual(wrong.status, 0);
    assert.match(wrong.stderr, /container nope is not valid for pod talk/);
    const follow = api!.kubectlBackground(bin, ["logs", "-f", "talk", "-c", "counter", "--tail=1"]);
    try {
      const lines = () => follow.output().split("\n").filter((l) => /^line \d+$/.test(l));
      await until(`kubectl ${bin} logs -f streaming`, async () => (lines().length >= 5 ? true : undefined), 30_000);
      const numbers = lines().map((l) => Number(l.slice(5)));
      assert.deepEqual(numbers, numbers.map((_, i) => numbers[0]! + i), "consecutive lines as they are written");
    } finally {
      await follow.stop();
    }
  }
});
