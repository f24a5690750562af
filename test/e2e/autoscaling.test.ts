// The HorizontalPodAutoscaler end to end: a Deployment whose pod burns CPU
// (request 50m, limit 100m, so about 200% of its request) is autoscaled by
// `kubectl autoscale` to its maximum of 3; raising the target to 1000% makes
// it scale back down to 1 once the (shortened) downscale stabilisation
// window has passed. kubectl get hpa shows the targets.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { nodeBinary } from "../../deploy/images/images.ts";
import { kubectl120, kubectl132 } from "../support/apiserver.ts";
import { LocalCluster } from "../support/local-cluster.ts";
import { pollUntil } from "../support/until.ts";

let cluster: LocalCluster | undefined;

before(async () => {
  cluster = await LocalCluster.start({
    name: "hpa",
    nodes: 1,
    scheduler: true,
    controllerManager: true,
    controllerManagerArgs: () => ["--horizontal-pod-autoscaler-sync-period=2s", "--horizontal-pod-autoscaler-downscale-stabilization=15s"],
  });
  await cluster.waitNodesReady();
});
after(async () => {
  await cluster?.stop();
});

const until = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 240_000): Promise<T> =>
  pollUntil(what, probe, { timeoutMs, intervalMs: 1000, diagnostics: () => cluster?.diagnostics() });

test("an HPA scales a busy Deployment up to its maximum, and down after the stabilisation window", async () => {
  const api = cluster!.api!;
  assert.equal((await api.request("/api/v1/namespaces", { method: "POST", body: JSON.stringify({ metadata: { name: "hpa" } }) })).status, 201);
  const deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "burn" },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "burn" } },
      template: {
        metadata: { labels: { app: "burn" } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [{ name: "burn", image: cluster!.agentImage, command: [nodeBinary, "-e", "for(;;){}"], resources: { requests: { cpu: "50m" }, limits: { cpu: "100m", memory: "128Mi" } } }],
        },
      },
    },
  };
  const created = await api.request("/apis/apps/v1/namespaces/hpa/deployments", { method: "POST", body: JSON.stringify(deployment) });
  assert.equal(created.status, 201, created.body);
  const auto = api.kubectl(kubectl120, ["autoscale", "deployment", "burn", "-n", "hpa", "--min=1", "--max=3", "--cpu-percent=50"]);
  assert.equal(auto.status, 0, auto.stderr);
  const hpaPath = "/apis/autoscaling/v1/namespaces/hpa/horizontalpodautoscalers/burn";
  const hpa = (await api.request(hpaPath)).json() as { spec: Record<string, unknown> };
  assert.deepEqual([hpa.spec.minReplicas, hpa.spec.maxReplicas, hpa.spec.targetCPUUtilizationPercentage], [1, 3, 50]);

  const replicas = async (): Promise<number> => ((await api.request("/apis/apps/v1/namespaces/hpa/deployments/burn")).json().spec as { replicas: number }).replicas;
  await until("3 replicas", async () => ((await replicas()) === 3 ? true : undefined));
  const status = async (): Promise<Record<string, number>> => (await api.request(hpaPath)).json().status as Record<string, number>;
  // The status is written just after the scale, in the same sync.
  const up = await until("status with 3 desired", async () => {
    const st = await status();
    return st.desiredReplicas === 3 ? st : undefined;
  });
  assert.equal(typeof up.currentCPUUtilizationPercentage, "number", JSON.stringify(up));
  for (const bin of [kubectl132, kubectl120]) {
    const get = api.kubectl(bin, ["get", "hpa", "-n", "hpa"]);
    assert.equal(get.status, 0, get.stderr);
    assert.match(get.stdout, /^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE\nburn\s+Deployment\/burn\s+cpu: \d+%\/50%\s+1\s+3\s+\d\s+\d+s$/m);
  }

  const patched = await api.request(hpaPath, { method: "PATCH", contentType: "application/merge-patch+json", body: JSON.stringify({ spec: { targetCPUUtilizationPercentage: 1000 } }) });
  assert.equal(patched.status, 200, patched.body);
  await until("1 replica", async () => ((await replicas()) === 1 ? true : undefined));
  await until("status with 1 desired", async () => ((await status()).desiredReplicas === 1 ? true : undefined));
});
