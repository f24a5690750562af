// Resource metrics end to end: a node agent container serves its Summary API
// from Docker stats, the API server answers metrics.k8s.io from it, and
// `kubectl top pods|nodes` (1.32 and 1.20) prints a CPU-burning pod's usage
// (its CPU limit of 300m keeps the burn small on a shared machine).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { nodeBinary } from "../../deploy/images/images.ts";
import { kubectl120, kubectl132 } from "../support/apiserver.ts";
import { LocalCluster } from "../support/local-cluster.ts";
import { pollUntil } from "../support/until.ts";

let cluster: LocalCluster | undefined;

before(async () => {
  cluster = await LocalCluster.start({ name: "top", nodes: 1 });
  await cluster.waitNodesReady();
});
after(async () => {
  await cluster?.stop();
});

const until = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 180_000): Promise<T> =>
  pollUntil(what, probe, { timeoutMs, intervalMs: 1000, diagnostics: () => cluster?.diagnostics() });

const millicores = (cpu: string): number => (cpu.endsWith("n") ? Number(cpu.slice(0, -1)) / 1e6 : cpu.endsWith("m") ? Number(cpu.slice(0, -1)) : Number(cpu) * 1000);

test("metrics.k8s.io and kubectl top show a busy pod and its node", async () => {
  const c = cluster!;
  const api = c.api!;
  const node = c.nodeNames[0]!;
  assert.equal((await api.request("/api/v1/namespaces", { method: "POST", body: JSON.stringify({ metadata: { name: "top" } }) })).status, 201);
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "burner", labels: { app: "burner" } },
    spec: {
      nodeName: node,
      terminationGracePeriodSeconds: 1,
      containers: [{ name: "burn", image: c.agentImage, command: [nodeBinary, "-e", "for(;;){}"], resources: { limits: { cpu: "300m", memory: "128Mi" } } }],
    },
  };
  const created = await api.request("/api/v1/namespaces/top/pods", { method: "POST", body: JSON.stringify(pod) });
  assert.equal(created.status, 201, created.body);
  await until("the pod Running", async () => ((await api.request("/api/v1/namespaces/top/pods/burner")).json().status as { phase?: string } | undefined)?.phase === "Running" || undefined);

  const groups = (await api.request("/apis")).json().groups as { name: string }[];
  assert.ok(groups.some((g) => g.name === "metrics.k8s.io"));
  // Read-only kinds: clients that cache every watchable resource (the garbage collector) leave them out.
  const metricsResources = (await api.request("/apis/metrics.k8s.io/v1beta1")).json().resources as { name: string; kind: string; verbs: string[] }[];
  assert.deepEqual(metricsResources.map((x) => `${x.name} ${x.kind} ${x.verbs.join(",")}`), ["nodes NodeMetrics get,list", "pods PodMetrics get,list"]);
  const metrics = await until("pod metrics with CPU in use", async () => {
    const r = await api.request("/apis/metrics.k8s.io/v1beta1/namespaces/top/pods?labelSelector=app%3Dburner");
    const items = r.status === 200 ? (r.json().items as { metadata: { name: string }; containers: { name: string; usage: { cpu: string; memory: string } }[] }[]) : [];
    return items[0] !== undefined && millicores(items[0].containers[0]!.usage.cpu) >= 50 ? items[0] : undefined;
  });
  assert.equal(metrics.metadata.name, "burner");
  assert.deepEqual(metrics.containers.map((x) => x.name), ["burn"]);
  assert.match(metrics.containers[0]!.usage.memory, /^\d+Ki$/);
  const nodeMetrics = (await api.request(`/apis/metrics.k8s.io/v1beta1/nodes/${node}`)).json() as { usage: { cpu: string; memory: string } };
  // The node's figure is the agent's plus its pods', sampled at another moment than the pod's: only its presence is certain.
  assert.ok(millicores(nodeMetrics.usage.cpu) > 0 && /^[1-9]\d*Ki$/.test(nodeMetrics.usage.memory), JSON.stringify(nodeMetrics));
  assert.equal((await api.request("/apis/metrics.k8s.io/v1beta1/namespaces/top/pods/missing")).status, 404);

  for (const bin of [kubectl132, kubectl120]) {
    const pods = api.kubectl(bin, ["top", "pods", "-n", "top"]);
    assert.equal(pods.status, 0, pods.stderr);
    assert.match(pods.stdout, /^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*\nburner\s+\d+m\s+\d+Mi\s*$/m);
    const containers = api.kubectl(bin, ["top", "pod", "burner", "-n", "top", "--containers"]);
    assert.equal(containers.status, 0, containers.stderr);
    assert.match(containers.stdout, /burner\s+burn\s+\d+m\s+\d+Mi/);
    const nodes = api.kubectl(bin, ["top", "nodes"]);
    assert.equal(nodes.status, 0, nodes.stderr);
    assert.match(nodes.stdout, new RegExp(`^NAME\\s+CPU\\(cores\\)\\s+CPU(%)?.*\\n${node}\\s+\\d+m\\s+\\d+%\\s+\\d+Mi\\s+\\d+%`, "m"));
  }
});
