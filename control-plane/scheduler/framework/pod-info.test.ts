import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Pod } from "../kube-types.ts";
import { makePod } from "../test-objects.ts";
import { effectiveRequests, newPodInfo, normalizedImageName } from "./pod-info.ts";

const container = (name: string, cpu: string, memory: string, restartPolicy?: string) => ({
  name,
  image: "x",
  restartPolicy,
  resources: { requests: { cpu, memory } },
});

describe("effective requests", () => {
  it("sums app containers", () => {
    const pod: Pod = { spec: { containers: [container("a", "100m", "64Mi"), container("b", "250m", "64Mi")] } };
    const r = effectiveRequests(pod);
    assert.equal(r.milliCpu, 350);
    assert.equal(r.memory, 128 * 1024 * 1024);
  });

  it("takes the largest init container when it exceeds the app containers, per resource", () => {
    const pod: Pod = {
      spec: {
        initContainers: [container("init1", "2", "10Mi"), container("init2", "500m", "1Gi")],
        containers: [container("a", "1", "100Mi")],
      },
    };
    const r = effectiveRequests(pod);
    assert.equal(r.milliCpu, 2000, "cpu from init1");
    assert.equal(r.memory, 1024 * 1024 * 1024, "memory from init2");
  });

  it("adds sidecars (restartPolicy Always) to what runs after them, and the overhead", () => {
    const pod: Pod = {
      spec: {
        initContainers: [container("sidecar", "200m", "0", "Always"), container("init", "1", "0")],
        containers: [container("a", "300m", "0")],
        overhead: { cpu: "50m" },
      },
    };
    // init runs beside the sidecar: 1000 + 200; apps run beside it: 300 + 200; plus 50 overhead.
    assert.equal(effectiveRequests(pod).milliCpu, 1250);
  });

  it("uses a limit as the request when no request is given", () => {
    const pod: Pod = { spec: { containers: [{ name: "a", resources: { limits: { cpu: "1", "nvidia.com/gpu": "2" } } }] } };
    const r = effectiveRequests(pod);
    assert.equal(r.milliCpu, 1000);
    assert.equal(r.scalar.get("nvidia.com/gpu"), 2);
  });

  it("counts a container that requests nothing at a default size, for scoring only", () => {
    const pi = newPodInfo(makePod("p"));
    assert.equal(pi.requests.milliCpu, 0);
    assert.equal(pi.nonZeroMilliCpu, 100);
    assert.equal(pi.nonZeroMemory, 200 * 1024 * 1024);
    const two = newPodInfo({ spec: { containers: [container("a", "0", "1Gi"), { name: "b" }] } });
    assert.equal(two.nonZeroMilliCpu, 200, "per container, as kube's GetNonzeroRequests");
    assert.equal(two.nonZeroMemory, 1024 ** 3 + 200 * 1024 * 1024);
  });

  it("reads affinity terms with their namespaces", () => {
    const pi = newPodInfo(
      makePod("p", {
        namespace: "shop",
        affinity: {
          podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: "web" } } },
              { topologyKey: "zone", labelSelector: {}, namespaces: ["a", "b"] },
              { topologyKey: "zone", labelSelector: {}, namespaceSelector: {} },
            ],
          },
        },
      }),
    );
    assert.deepEqual([...pi.requiredAntiAffinity[0]!.namespaces!], ["shop"]);
    assert.deepEqual([...pi.requiredAntiAffinity[1]!.namespaces!], ["a", "b"]);
    assert.equal(pi.requiredAntiAffinity[2]!.namespaces, undefined, "an empty namespaceSelector means every namespace");
  });

  it("normalizes image names as node.status.images lists them", () => {
    assert.equal(normalizedImageName("nginx"), "nginx:latest");
    assert.equal(normalizedImageName("registry:5000/app"), "registry:5000/app:latest");
    assert.equal(normalizedImageName("registry:5000/app:1.2"), "registry:5000/app:1.2");
    assert.equal(normalizedImageName("app@sha256:abc"), "app@sha256:abc");
  });
});
