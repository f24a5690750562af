// The kubelet's pass on the real engine, with an in-memory API standing in
// for the API server: pods start and report Running and Ready, a status is
// written only when it changes, a deleted pod is stopped within its grace
// period and reported gone, and an unbound pod leaves nothing behind.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { V1Pod, V1PodStatus } from "@kubernetes/client-node";
import type Docker from "dockerode";
import { connectDocker } from "../../test/support/cluster-network.ts";
import { removeByLabel, testRunLabel } from "../../test/support/docker.ts";
import { nodeAgentImage } from "../../test/support/node-agent-image.ts";
import { sample } from "../../test/support/metrics.ts";
import { Kubelet, type PodStatusWriter } from "./kubelet.ts";
import { execInContainer } from "./runtime/exec.ts";
import { DockerPodRuntime } from "./runtime/pod-runtime.ts";
import { startTestNode } from "../../test/support/test-node.ts";

const run = testRunLabel("kubelet");
const labels = { [run.key]: run.value };
const nodeName = `node-${run.value}`;
let docker: Docker;
let runtime: DockerPodRuntime;
const configMaps = new Map<string, { data: Record<string, string> }>();

class MemoryApi implements PodStatusWriter {
  pods = new Map<string, V1Pod>();
  writes: { name: string; status: V1PodStatus }[] = [];
  terminated: string[] = [];
  async writeStatus(pod: V1Pod, status: V1PodStatus): Promise<void> {
    this.writes.push({ name: pod.metadata!.name!, status });
    const stored = this.pods.get(pod.metadata!.uid!);
    if (stored !== undefined) stored.status = status;
  }
  async podTerminated(pod: V1Pod): Promise<void> {
    this.terminated.push(pod.metadata!.name!);
    this.pods.delete(pod.metadata!.uid!);
  }
  list(): V1Pod[] {
    return [...this.pods.values()];
  }
}

before(async () => {
  docker = await connectDocker();
  await docker.getImage("skiff/demo-app:latest").inspect();
  const node = await startTestNode(docker, run, labels, {
    nodeName,
    objects: { configMap: (_ns, name) => configMaps.get(name), secret: () => undefined },
  });
  runtime = await DockerPodRuntime.open(node.options);
});

after(async () => {
  if (docker !== undefined) await removeByLabel(docker, run.filter);
});

function webPod(name: string): V1Pod {
  return {
    metadata: { name, namespace: "default", uid: `${run.value}-${name}` },
    spec: {
      nodeName,
      terminationGracePeriodSeconds: 5,
      containers: [
        {
          name: "web",
          image: "skiff/demo-app:latest",
          env: [{ name: "PORT", value: "8080" }],
          readinessProbe: { httpGet: { path: "/healthz", port: 8080 }, periodSeconds: 1 },
        },
      ],
    },
  };
}

test("pods become Running and Ready; unchanged statuses are not written again; deletion and unbinding leave nothing", async () => {
  const api = new MemoryApi();
  const kubelet = new Kubelet(runtime, api);
  const a = webPod("a");
  const b = webPod("b");
  api.pods.set(a.metadata!.uid!, a);
  api.pods.set(b.metadata!.uid!, b);
  const ready = (name: string) => api.pods.get(`${run.value}-${name}`)?.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";
  for (let i = 0; i < 100 && !(ready("a") && ready("b")); i++) {
    await kubelet.pass(api.list());
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(ready("a") && ready("b"), JSON.stringify(api.writes.at(-1)));
  assert.equal(api.pods.get(a.metadata!.uid!)?.status?.phase, "Running");
  // kubelet's metrics: both starts observed (seen → Running), both pods and containers running.
  const metrics = await kubelet.metrics.registry.metrics();
  assert.equal(sample(metrics, "kubelet_pod_start_duration_seconds_count"), 2, metrics);
  assert.ok(sample(metrics, "kubelet_pod_start_duration_seconds_sum") > 0, metrics);
  assert.equal(sample(metrics, "kubelet_running_pods"), 2, metrics);
  assert.equal(sample(metrics, "kubelet_running_containers", { container_state: "running" }), 2, metrics);
  assert.equal(sample(metrics, "kubelet_node_name", { node: nodeName }), 1, metrics);
  const writes = api.writes.length;
  await kubelet.pass(api.list());
  await kubelet.pass(api.list());
  assert.equal(api.writes.length, writes, "nothing changed, nothing written");
  // The node lifecycle controller marked the pod not Ready on the server: the kubelet says Ready again.
  const serverA = api.pods.get(a.metadata!.uid!)!;
  serverA.status = { ...serverA.status, conditions: serverA.status?.conditions?.map((c) => (c.type === "Ready" ? { ...c, status: "False" } : c)) };
  await kubelet.pass(api.list());
  assert.equal(api.writes.length, writes + 1, "the Ready condition written again");
  assert.ok(ready("a"));

  // Deletion requested: stopped within the grace period, reported gone.
  a.metadata!.deletionTimestamp = new Date();
  a.metadata!.deletionGracePeriodSeconds = 5;
  const aIp = api.pods.get(a.metadata!.uid!)?.status?.podIP;
  await kubelet.pass(api.list());
  await kubelet.terminations();
  const deleting = await kubelet.pass(api.list());
  assert.deepEqual(deleting.terminated, [a.metadata!.uid]);
  assert.deepEqual(api.terminated, ["a"]);
  // No longer bound here (e.g. deleted with grace 0 elsewhere): removed.
  const bUid = b.metadata!.uid!;
  api.pods.delete(bUid);
  const unbound = await kubelet.pass(api.list());
  assert.deepEqual(unbound.removed, [bUid]);
  for (const uid of [a.metadata!.uid!, bUid]) {
    const left = await docker.listContainers({ all: true, filters: { label: [`skiff.pod-uid=${uid}`] } });
    assert.equal(left.length, 0, `no container of ${uid} left`);
  }
  assert.equal(runtime.ips.inUse().size, 0, "no address held");
  assert.ok(aIp !== undefined);
  const gone = await kubelet.metrics.registry.metrics();
  assert.equal(sample(gone, "kubelet_running_pods"), 0, gone);
  assert.equal(sample(gone, "kubelet_pod_start_duration_seconds_count"), 2, "a start is observed once per pod");
});

test("a ConfigMap change reaches the running pod's volume", async () => {
  const api = new MemoryApi();
  const kubelet = new Kubelet(runtime, api);
  configMaps.set("greeting", { data: { text: "hello" } });
  const p: V1Pod = {
    metadata: { name: "reader", namespace: "default", uid: `${run.value}-reader` },
    spec: {
      nodeName,
      volumes: [{ name: "cfg", configMap: { name: "greeting" } }],
      containers: [{ name: "app", image: nodeAgentImage, command: ["/bin/busybox", "sleep", "1000000"], volumeMounts: [{ name: "cfg", mountPath: "/cfg" }] }],
    },
  };
  api.pods.set(p.metadata!.uid!, p);
  await kubelet.pass(api.list());
  await kubelet.pass(api.list());
  const id = (await runtime.getPod(p.metadata!.uid!))!.containers[0]!.id;
  const read = async () => (await execInContainer(docker, id, ["/bin/busybox", "cat", "/cfg/text"], 5000)).stdout;
  assert.equal(await read(), "hello");
  configMaps.set("greeting", { data: { text: "bonjour" } });
  await kubelet.pass(api.list());
  assert.equal(await read(), "bonjour");
  assert.equal((await runtime.getPod(p.metadata!.uid!))!.containers[0]!.id, id, "the container was not restarted");
  api.pods.delete(p.metadata!.uid!);
  await kubelet.pass(api.list());
});
