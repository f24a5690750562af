import assert from "node:assert/strict";
import { test } from "node:test";
import type { V1Pod, V1Service, V1ServicePort } from "@kubernetes/client-node";
import { FakeClock } from "../clock.ts";
import { FakeApi } from "../fake-api.ts";
import { settle } from "../test-support.ts";
import { EndpointsController } from "./endpoints-controller.ts";

function setup(): { api: FakeApi; ec: EndpointsController; clock: FakeClock } {
  const clock = new FakeClock();
  const api = new FakeApi(clock);
  return { api, ec: new EndpointsController(api, clock), clock };
}

function service(name: string, selector: Record<string, string> | undefined, ports: V1ServicePort[]): V1Service {
  return { apiVersion: "v1", kind: "Service", metadata: { name, namespace: "default", labels: { tier: "front" } }, spec: { ...(selector !== undefined ? { selector } : {}), ports } };
}

function runningPod(name: string, ip: string, ready: boolean, labels: Record<string, string> = { app: "web" }): V1Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels },
    spec: { nodeName: `node-${name}`, containers: [{ name: "c", image: "demo", ports: [{ name: "http", containerPort: 8080 }, { name: "metrics", containerPort: 9090 }] }] },
    status: { phase: "Running", podIP: ip, conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
  };
}

test("ready and not-ready addresses of the selected pods, with targetRef and nodeName, ports by name and number", async () => {
  const { api, ec } = setup();
  api.seed("pods", runningPod("a", "10.0.0.12", true));
  api.seed("pods", runningPod("b", "10.0.0.3", false));
  api.seed("pods", runningPod("other", "10.0.0.4", true, { app: "db" }));
  api.seed("pods", { ...runningPod("pending", "", false), status: { phase: "Pending" } });
  api.seed("services", service("web", { app: "web" }, [{ name: "http", port: 80, targetPort: "http" as never }, { name: "raw", port: 81, targetPort: 7070 as never }]));
  await settle([ec]);
  const ep = api.stored("endpoints", "default", "web")!;
  assert.deepEqual(ep.metadata?.labels, { tier: "front" });
  const uidA = api.stored("pods", "default", "a")!.metadata!.uid;
  const uidB = api.stored("pods", "default", "b")!.metadata!.uid;
  assert.deepEqual(ep.subsets, [
    {
      addresses: [{ ip: "10.0.0.12", nodeName: "node-a", targetRef: { kind: "Pod", namespace: "default", name: "a", uid: uidA } }],
      notReadyAddresses: [{ ip: "10.0.0.3", nodeName: "node-b", targetRef: { kind: "Pod", namespace: "default", name: "b", uid: uidB } }],
      ports: [
        { name: "http", port: 8080, protocol: "TCP" },
        { name: "raw", port: 7070, protocol: "TCP" },
      ],
    },
  ]);
});

test("a pod becoming ready moves to addresses; an unchanged world writes nothing; a deleted pod leaves", async () => {
  const { api, ec, clock } = setup();
  api.seed("services", service("web", { app: "web" }, [{ port: 80, targetPort: 8080 as never }]));
  api.seed("pods", runningPod("a", "10.0.0.2", false));
  await settle([ec]);
  assert.equal(api.stored("endpoints", "default", "web")!.subsets![0]!.notReadyAddresses!.length, 1);
  api.mutate("pods", "default", "a", (p) => (p.status!.conditions = [{ type: "Ready", status: "True", lastTransitionTime: new Date(clock.now()) }]));
  await settle([ec]);
  assert.deepEqual(api.stored("endpoints", "default", "web")!.subsets![0]!.addresses!.map((a) => a.ip), ["10.0.0.2"]);
  const writes = api.actions.filter((a) => a.kind === "endpoints").length;
  api.mutate("pods", "default", "a", (p) => (p.metadata!.annotations = { touched: "yes" }));
  await settle([ec]);
  assert.equal(api.actions.filter((a) => a.kind === "endpoints").length, writes, "nothing changed, nothing written");
  await api.delete("pods", "default", "a");
  await settle([ec]);
  assert.deepEqual(api.stored("endpoints", "default", "web")!.subsets, []);
});

test("pods whose named port is missing are left out; a pod that stops matching the selector leaves", async () => {
  const { api, ec } = setup();
  const noPorts = runningPod("bare", "10.0.0.9", true);
  noPorts.spec!.containers[0]!.ports = [];
  api.seed("pods", noPorts);
  api.seed("pods", runningPod("a", "10.0.0.2", true));
  api.seed("services", service("web", { app: "web" }, [{ name: "http", port: 80, targetPort: "http" as never }]));
  await settle([ec]);
  assert.deepEqual(api.stored("endpoints", "default", "web")!.subsets!.flatMap((s) => s.addresses!.map((a) => a.ip)), ["10.0.0.2"]);
  api.mutate("pods", "default", "a", (p) => (p.metadata!.labels = { app: "old" }));
  await settle([ec]);
  assert.deepEqual(api.stored("endpoints", "default", "web")!.subsets, []);
});

test("Services without a selector keep hand-written Endpoints; a deleted Service's Endpoints go", async () => {
  const { api, ec } = setup();
  api.seed("services", service("external", undefined, [{ port: 5432 }]));
  api.seed("endpoints", { apiVersion: "v1", kind: "Endpoints", metadata: { name: "external", namespace: "default" }, subsets: [{ addresses: [{ ip: "10.9.9.9" }], ports: [{ port: 5432 }] }] });
  api.seed("services", service("web", { app: "web" }, [{ port: 80 }]));
  await settle([ec]);
  assert.equal(api.stored("endpoints", "default", "external")!.subsets![0]!.addresses![0]!.ip, "10.9.9.9");
  assert.ok(api.stored("endpoints", "default", "web") !== undefined);
  await api.delete("services", "default", "web");
  await settle([ec]);
  assert.equal(api.stored("endpoints", "default", "web"), undefined);
  // Someone deletes a selector Service's Endpoints: they come back.
  api.seed("services", service("web2", { app: "web" }, [{ port: 80 }]));
  await settle([ec]);
  await api.delete("endpoints", "default", "web2");
  await settle([ec]);
  assert.ok(api.stored("endpoints", "default", "web2") !== undefined);
});
