// DaemonSets and StatefulSets on real containers: 2 skiff/node-agent nodes,
// the scheduler and the controller manager as host processes. A DaemonSet
// runs one pod on each node and `kubectl get ds` shows it; a StatefulSet of
// 3 behind a headless Service creates db-0, db-1, db-2 in order (each only
// after the previous one is Ready), each pod's hostname is its name and
// `<pod>.db.default.svc.cluster.local` resolves to its IP from another pod;
// an env change rolls out db-2, db-1, db-0 in that order and `kubectl
// rollout status` (1.20) reports it complete. A StatefulSet with a
// volumeClaimTemplate gets a claim bound to a local volume on its pod's
// node; the pod, deleted, comes back on that node with its files.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { V1DaemonSet, V1Pod, V1PodList, V1StatefulSet } from "@kubernetes/client-node";
import type Docker from "dockerode";
import { nodeBinary } from "../../deploy/images/images.ts";
import { execInContainer } from "../../node-agent/kubelet/runtime/exec.ts";
import { type ApiServerProcess, kubectl120, kubectl132 } from "../support/apiserver.ts";
import { LocalCluster } from "../support/local-cluster.ts";
import { pollUntil } from "../support/until.ts";

let cluster: LocalCluster | undefined;
let docker: Docker;
let api: ApiServerProcess;

before(async () => {
  cluster = await LocalCluster.start({ name: "sets", nodes: 2, scheduler: true, controllerManager: true });
  docker = cluster.docker;
  api = cluster.api!;
});

after(async () => {
  await cluster?.stop();
});

const until = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 180_000): Promise<T> =>
  pollUntil(what, probe, { timeoutMs, intervalMs: 250, diagnostics: () => cluster?.diagnostics() });

async function getJson<T>(path: string): Promise<T | undefined> {
  const r = await api.request(path);
  return r.status === 200 ? (JSON.parse(r.body) as T) : undefined;
}

/** kubectl without blocking the event loop (the test polls pods meanwhile). */
function kubectl(bin: string, args: string[], input?: string): Promise<{ status: number; output: string }> {
  const proc = spawn(bin, ["--kubeconfig", api.kubeconfig, "--cache-dir", join(api.dir, bin === kubectl132 ? "kube-cache-sets" : "kube-cache-sets-120"), ...args], {
    stdio: ["pipe", "pipe", "pipe"],
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: api.dir },
  });
  let output = "";
  proc.stdout.on("data", (b: Buffer) => (output += b.toString()));
  proc.stderr.on("data", (b: Buffer) => (output += b.toString()));
  proc.stdin.end(input ?? "");
  return new Promise((resolve) => proc.once("exit", (code) => resolve({ status: code ?? -1, output })));
}

const isReady = (p: V1Pod): boolean => p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
const podsOf = async (app: string): Promise<V1Pod[]> => (await getJson<V1PodList>(`/api/v1/namespaces/default/pods?labelSelector=app%3D${app}`))?.items ?? [];
const readySince = (p: V1Pod): number => new Date(p.status?.conditions?.find((c) => c.type === "Ready")?.lastTransitionTime ?? 0).getTime();

async function appContainer(pod: V1Pod): Promise<string> {
  const found = await docker.listContainers({ filters: { label: [`skiff.pod-uid=${pod.metadata!.uid!}`, "skiff.container-kind=app"] } });
  assert.equal(found.length, 1, `app container of ${pod.metadata!.name!}`);
  return found[0]!.Id;
}

/** Runs a command as root in a container; resolves with its exit code. */
async function execAsRoot(containerId: string, cmd: string[]): Promise<number | undefined> {
  const exec = await docker.getContainer(containerId).exec({ Cmd: cmd, User: "0" });
  await exec.start({ Detach: true });
  return until("the exec to finish", async () => {
    const info = await exec.inspect();
    return info.Running ? undefined : (info.ExitCode ?? undefined);
  }, 30_000);
}

test("a DaemonSet runs one Running pod on each node; kubectl get ds shows DESIRED and READY 2", async () => {
  await cluster!.waitNodesReady();
  const manifest = {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: "agent" },
    spec: {
      selector: { matchLabels: { app: "agent" } },
      template: { metadata: { labels: { app: "agent" } }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "agent", image: "skiff/demo-app:latest" }] } },
    },
  };
  const applied = await kubectl(kubectl132, ["apply", "-f", "-"], JSON.stringify(manifest));
  assert.equal(applied.status, 0, applied.output);
  const pods = await until("one Running agent pod per node", async () => {
    const items = (await podsOf("agent")).filter((p) => p.status?.phase === "Running" && isReady(p));
    return items.length === 2 ? items : undefined;
  });
  assert.deepEqual(pods.map((p) => p.spec?.nodeName).sort(), [...cluster!.nodeNames].sort());
  await until("DaemonSet status 2/2", async () => {
    const ds = await getJson<V1DaemonSet>("/apis/apps/v1/namespaces/default/daemonsets/agent");
    const s = ds?.status;
    return s?.desiredNumberScheduled === 2 && s.numberReady === 2 && s.numberAvailable === 2 && s.updatedNumberScheduled === 2 && s.observedGeneration === ds?.metadata?.generation ? true : undefined;
  });
  const got = await kubectl(kubectl132, ["get", "ds", "agent"]);
  assert.equal(got.status, 0, got.output);
  const [header, row] = got.output.trim().split("\n");
  assert.match(header!, /^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE/);
  assert.match(row!, /^agent\s+2\s+2\s+2\s+2\s+2\s+<none>\s+/);
  const done = await kubectl(kubectl132, ["rollout", "status", "ds/agent", "--timeout=60s"]);
  assert.equal(done.status, 0, done.output);
  assert.match(done.output, /daemon set "agent" successfully rolled out/);
});

const statefulSet = {
  apiVersion: "apps/v1",
  kind: "StatefulSet",
  metadata: { name: "db" },
  spec: {
    replicas: 3,
    serviceName: "db",
    selector: { matchLabels: { app: "db" } },
    template: {
      metadata: { labels: { app: "db" } },
      spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "db", image: "skiff/demo-app:latest", ports: [{ name: "http", containerPort: 8080 }] }] },
    },
  },
};

test("a StatefulSet of 3 creates db-0, db-1, db-2 in order, each after the previous one is Ready, with its name as hostname", async () => {
  const service = { apiVersion: "v1", kind: "Service", metadata: { name: "db" }, spec: { clusterIP: "None", selector: { app: "db" }, ports: [{ name: "http", port: 8080 }] } };
  const applied = await kubectl(kubectl132, ["apply", "-f", "-"], `${JSON.stringify(service)}\n${JSON.stringify(statefulSet)}`);
  assert.equal(applied.status, 0, applied.output);
  const pods = await until("db-0..2 Running and Ready", async () => {
    const items = (await podsOf("db")).filter((p) => p.status?.phase === "Running" && isReady(p));
    return items.length === 3 ? items.sort((a, b) => a.metadata!.name!.localeCompare(b.metadata!.name!)) : undefined;
  });
  assert.deepEqual(pods.map((p) => p.metadata!.name), ["db-0", "db-1", "db-2"]);
  for (let i = 1; i < 3; i++) {
    const created = new Date(pods[i]!.metadata!.creationTimestamp!).getTime();
    // creationTimestamp has whole seconds: created no earlier than the second in which the previous pod became Ready.
    assert.ok(created >= Math.floor(readySince(pods[i - 1]!) / 1000) * 1000, `db-${i} created at ${created}, db-${i - 1} ready at ${readySince(pods[i - 1]!)}`);
  }
  for (const p of pods) {
    assert.equal(p.spec?.hostname, p.metadata!.name);
    assert.equal(p.spec?.subdomain, "db");
    assert.equal(p.metadata?.labels?.["statefulset.kubernetes.io/pod-name"], p.metadata!.name);
    const r = await execInContainer(docker, await appContainer(p), [nodeBinary, "-e", "console.log(require('os').hostname())"], 30_000);
    assert.equal(r.stdout.trim(), p.metadata!.name, "the container's hostname is the pod's");
  }
  const got = await kubectl(kubectl120, ["get", "sts", "db"]);
  assert.equal(got.status, 0, got.output);
  assert.match(got.output.trim().split("\n")[1]!, /^db\s+3\/3\s+/);
});

test("each StatefulSet pod resolves as <pod>.db.default.svc.cluster.local from another pod", async () => {
  const client = (await podsOf("agent"))[0]!;
  // The client: a pod with busybox (the node-agent image of this tree).
  const r = await api.request("/api/v1/namespaces/default/pods", {
    method: "POST",
    body: JSON.stringify({ metadata: { name: "dns-client" }, spec: { terminationGracePeriodSeconds: 1, nodeName: client.spec!.nodeName, containers: [{ name: "c", image: cluster!.agentImage, command: ["/bin/busybox", "sleep", "1000000"] }] } }),
  });
  assert.equal(r.status, 201, r.body);
  const pod = await until("the dns-client Running", async () => {
    const p = await getJson<V1Pod>("/api/v1/namespaces/default/pods/dns-client");
    return p?.status?.phase === "Running" ? p : undefined;
  });
  const container = await appContainer(pod);
  for (const db of await podsOf("db")) {
    const name = `${db.metadata!.name!}.db.default.svc.cluster.local`;
    const answer = await until(`${name} resolving`, async () => {
      const out = await execInContainer(docker, container, ["/bin/busybox", "nslookup", name], 30_000);
      return out.stdout.includes(db.status!.podIP!) ? out.stdout : undefined;
    });
    assert.match(answer, new RegExp(`Address:\\s*${db.status!.podIP!.replaceAll(".", "\\.")}`));
  }
});

test("an env change rolls out db-2, db-1, db-0 in that order and kubectl 1.20 rollout status reports it complete", async () => {
  const before = new Map((await podsOf("db")).map((p) => [p.metadata!.name!, p.metadata!.uid!]));
  const replaced: string[] = [];
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      for (const p of await podsOf("db")) {
        const name = p.metadata!.name!;
        if (p.metadata!.uid !== before.get(name) && !replaced.includes(name)) replaced.push(name);
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  })();
  try {
    const set = await kubectl(kubectl132, ["set", "env", "sts/db", "VERSION=2"]);
    assert.equal(set.status, 0, set.output);
    const status = await kubectl(kubectl120, ["rollout", "status", "sts/db", "--timeout=240s"]);
    assert.equal(status.status, 0, `${status.output}\n${await cluster!.diagnostics()}`);
    // kubectl 1.20 reads any partition (kube defaults it to 0) as a partitioned roll out, as it does against Kubernetes.
    assert.match(status.output, /partitioned roll out complete: 3 new pods have been updated|statefulset rolling update complete 3 pods at revision db-/);
    const modern = await kubectl(kubectl132, ["rollout", "status", "sts/db", "--timeout=60s"]);
    assert.equal(modern.status, 0, modern.output);
    assert.match(modern.output, /complete/);
  } finally {
    watching = false;
    await watcher;
  }
  assert.deepEqual(replaced, ["db-2", "db-1", "db-0"]);
  const pods = await podsOf("db");
  for (const p of pods) {
    assert.ok(isReady(p));
    assert.deepEqual(p.spec?.containers[0]?.env, [{ name: "VERSION", value: "2" }]);
  }
  const sts = await getJson<V1StatefulSet>("/apis/apps/v1/namespaces/default/statefulsets/db");
  assert.equal(sts?.status?.currentRevision, sts?.status?.updateRevision);
  assert.equal(sts?.status?.updatedReplicas, 3);
});

test("volumeClaimTemplates: a claim per pod bound to a local volume on its node; a deleted pod comes back on that node with its files", async () => {
  const store = structuredClone(statefulSet) as typeof statefulSet & { spec: Record<string, unknown> };
  store.metadata.name = "store";
  store.spec.replicas = 1;
  store.spec.serviceName = "store";
  store.spec.selector = { matchLabels: { app: "store" } };
  (store.spec as Record<string, unknown>).template = {
    metadata: { labels: { app: "store" } },
    spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "store", image: "skiff/demo-app:latest", volumeMounts: [{ name: "data", mountPath: "/data" }] }] },
  };
  store.spec.volumeClaimTemplates = [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "64Mi" } } } }];
  const applied = await kubectl(kubectl132, ["apply", "-f", "-"], JSON.stringify(store));
  assert.equal(applied.status, 0, applied.output);
  const first = await until("store-0 Running", async () => {
    const p = (await podsOf("store")).find((x) => x.status?.phase === "Running" && isReady(x));
    return p;
  });
  const claim = await until("data-store-0 Bound", async () => {
    const c = await getJson<{ spec: { volumeName?: string; storageClassName?: string }; status: { phase?: string } }>("/api/v1/namespaces/default/persistentvolumeclaims/data-store-0");
    return c?.status.phase === "Bound" ? c : undefined;
  });
  assert.equal(claim.spec.storageClassName, "local");
  const pv = await getJson<{ spec: { nodeAffinity: { required: { nodeSelectorTerms: { matchExpressions: { values: string[] }[] }[] } } }; status: { phase: string } }>(
    `/api/v1/persistentvolumes/${claim.spec.volumeName!}`,
  );
  assert.equal(pv?.status.phase, "Bound");
  const node = first.spec!.nodeName!;
  assert.deepEqual(pv?.spec.nodeAffinity.required.nodeSelectorTerms[0]?.matchExpressions[0]?.values, [node], "the volume is on the pod's node");
  const pvc = await kubectl(kubectl132, ["get", "pvc", "data-store-0"]);
  assert.match(pvc.output, /data-store-0\s+Bound\s+pvc-\S+\s+64Mi\s+RWO\s+local/);
  const container = await appContainer(first);
  // The volume is root's (as a local volume's directory is on Kubernetes, without fsGroup): write as root.
  assert.equal(await execAsRoot(container, [nodeBinary, "-e", "require('fs').writeFileSync('/data/hello','kept')"]), 0);
  // Three rounds: with 2 nodes, landing on the same node by chance each time would be 1 in 8.
  let previous = first;
  for (let round = 0; round < 3; round++) {
    const deleted = await kubectl(kubectl132, ["delete", "pod", "store-0", "--wait=false"]);
    assert.equal(deleted.status, 0, deleted.output);
    const again = await until("store-0 back and Running", async () => (await podsOf("store")).find((x) => x.metadata!.uid !== previous.metadata!.uid && x.status?.phase === "Running"));
    assert.equal(again.spec?.nodeName, node, "back on the node that holds its volume");
    assert.equal(again.spec?.affinity, undefined, "placed by the scheduler's VolumeBinding filter, not by an affinity of the pod");
    const read = await execInContainer(docker, await appContainer(again), [nodeBinary, "-e", "process.stdout.write(require('fs').readFileSync('/data/hello','utf8'))"], 30_000);
    assert.equal(read.stdout, "kept");
    previous = again;
  }
});
