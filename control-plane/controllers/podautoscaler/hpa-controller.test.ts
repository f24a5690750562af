import assert from "node:assert/strict";
import { test } from "node:test";
import { FakeClock } from "../clock.ts";
import { FakeDynamicApi, fakeResource } from "../dynamic/dynamic-fake-api.ts";
import type { AutoscalingClient, HpaStatus, PodMetrics, PodSummary, Scale } from "./autoscaling-client.ts";
import { HorizontalPodAutoscalerController } from "./hpa-controller.ts";

/** A Deployment's scale and pods, each pod using `usage` millicores of a 100m request. */
class FakeTarget implements AutoscalingClient {
  replicas = 2;
  usage = 100;
  status: HpaStatus | undefined;
  readonly paths: string[] = [];

  async getScale(path: string): Promise<Scale> {
    this.paths.push(path);
    return { spec: { replicas: this.replicas }, status: { replicas: this.replicas, selector: "app=web" } };
  }
  async setScaleReplicas(_path: string, replicas: number): Promise<void> {
    this.replicas = replicas;
  }
  async pods(): Promise<PodSummary[]> {
    return Array.from({ length: this.replicas }, (_, i) => ({ metadata: { name: `web-${i}` }, spec: { containers: [{ resources: { requests: { cpu: "100m" } } }] }, status: { phase: "Running" } }));
  }
  async podMetrics(): Promise<PodMetrics[]> {
    return Array.from({ length: this.replicas }, (_, i) => ({ metadata: { name: `web-${i}` }, containers: [{ name: "c", usage: { cpu: `${this.usage * 1e6}n` } }] }));
  }
  async writeStatus(_ns: string, _name: string, status: HpaStatus): Promise<void> {
    this.status = status;
  }
}

const hpa = { metadata: { name: "web", namespace: "default", generation: 1 }, spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" }, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 50 } };

test("scales up at once, down only after the stabilisation window, and writes status", async () => {
  const api = new FakeDynamicApi();
  await api.discover();
  api.seed(fakeResource("horizontalpodautoscalers"), hpa);
  const clock = new FakeClock();
  const target = new FakeTarget();
  const controller = new HorizontalPodAutoscalerController(api, clock, target, { syncPeriodMs: 1000, downscaleStabilizationMs: 60_000 });
  // 200% of the request against a 50% target: 2 pods want 8, limited to max(2*2, 4) = 4.
  target.usage = 200;
  assert.deepEqual(await controller.sync("default/web"), { requeueAfterMs: 1000 });
  assert.equal(target.replicas, 4);
  assert.equal(target.paths[0], "/apis/apps/v1/namespaces/default/deployments/web/scale");
  assert.deepEqual([target.status?.desiredReplicas, target.status?.currentCPUUtilizationPercentage], [4, 200]);
  // Idle now: the recommendation is 1, but 4 was recommended within the window.
  target.usage = 5;
  clock.advance(30_000);
  await controller.sync("default/web");
  assert.equal(target.replicas, 4);
  clock.advance(31_000);
  await controller.sync("default/web");
  assert.equal(target.replicas, 1);
  assert.equal(target.status?.desiredReplicas, 1);
});

test("within the 10% tolerance nothing changes; a deleted HPA is forgotten", async () => {
  const api = new FakeDynamicApi();
  await api.discover();
  api.seed(fakeResource("horizontalpodautoscalers"), hpa);
  const target = new FakeTarget();
  target.usage = 54;
  const controller = new HorizontalPodAutoscalerController(api, new FakeClock(), target);
  await controller.sync("default/web");
  assert.equal(target.replicas, 2);
  assert.equal(await controller.sync("default/gone"), undefined);
});
