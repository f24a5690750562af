import assert from "node:assert/strict";
import { test } from "node:test";
import type { Pod } from "../kube-types.ts";
import { ApiBinder, type ApiWriter } from "./api-binder.ts";

type Call = { verb: string; path: string; body?: Record<string, unknown> };

function recorder(): { client: ApiWriter; calls: Call[] } {
  const calls: Call[] = [];
  const client = {
    create: async <T>(path: string, body: unknown): Promise<T> => {
      calls.push({ verb: "create", path, body: body as Record<string, unknown> });
      return {} as T;
    },
    patch: async <T>(path: string, body: unknown): Promise<T> => {
      calls.push({ verb: "patch", path, body: body as Record<string, unknown> });
      return {} as T;
    },
    delete: async <T>(path: string): Promise<T> => {
      calls.push({ verb: "delete", path });
      return {} as T;
    },
  } as ApiWriter;
  return { client, calls };
}

const pod = (name: string, uid: string): Pod => ({ metadata: { name, namespace: "ns", uid, resourceVersion: "7" }, spec: { containers: [] } });

test("bind posts a Binding to the binding subresource, then a Scheduled event", async () => {
  const { client, calls } = recorder();
  await new ApiBinder(client, "default-scheduler").bind(pod("web", "u1"), "n1");
  assert.equal(calls[0]!.path, "/api/v1/namespaces/ns/pods/web/binding");
  assert.deepEqual(calls[0]!.body, {
    apiVersion: "v1",
    kind: "Binding",
    metadata: { name: "web", namespace: "ns", uid: "u1" },
    target: { apiVersion: "v1", kind: "Node", name: "n1" },
  });
  const event = calls[1]!;
  assert.equal(event.path, "/api/v1/namespaces/ns/events");
  assert.equal(event.body!.reason, "Scheduled");
  assert.equal(event.body!.type, "Normal");
  assert.equal(event.body!.message, "Successfully assigned ns/web to n1");
  assert.deepEqual(event.body!.source, { component: "default-scheduler" });
  assert.match(String((event.body!.metadata as { name: string }).name), /^web\.[0-9a-f]+$/);
});

test("unschedulable: PodScheduled=False through pods/status and a FailedScheduling event, once per message and pod", () => {
  const { client, calls } = recorder();
  const b = new ApiBinder(client, "default-scheduler");
  const msg = "0/3 nodes are available: 3 Insufficient cpu.";
  b.unschedulable(pod("web", "u1"), msg);
  assert.equal(calls.length, 2);
  assert.equal(calls[0]!.verb, "patch");
  assert.equal(calls[0]!.path, "/api/v1/namespaces/ns/pods/web/status");
  const cond = (calls[0]!.body as { status: { conditions: Record<string, unknown>[] } }).status.conditions[0]!;
  assert.equal(cond.type, "PodScheduled");
  assert.equal(cond.status, "False");
  assert.equal(cond.reason, "Unschedulable");
  assert.equal(cond.message, msg);
  assert.equal(calls[1]!.body!.reason, "FailedScheduling");
  assert.equal(calls[1]!.body!.type, "Warning");
  assert.equal(calls[1]!.body!.message, msg);

  b.unschedulable(pod("web", "u1"), msg);
  assert.equal(calls.length, 2, "the same message is not written again");
  b.unschedulable(pod("web", "u1"), "0/4 nodes are available: 4 Insufficient cpu.");
  assert.equal(calls.length, 4, "a new message is");
  b.unschedulable(pod("web", "u2"), "0/4 nodes are available: 4 Insufficient cpu.");
  assert.equal(calls.length, 6, "a pod created again under the same name is reported afresh");
});

test("preempt nominates the node in the preemptor's status and deletes the victims", async () => {
  const { client, calls } = recorder();
  await new ApiBinder(client, "default-scheduler").preempt(pod("high", "u1"), "n2", [pod("low", "u2")]);
  assert.deepEqual(calls[0], { verb: "patch", path: "/api/v1/namespaces/ns/pods/high/status", body: { status: { nominatedNodeName: "n2" } } });
  assert.deepEqual(calls[1], { verb: "delete", path: "/api/v1/namespaces/ns/pods/low" });
  assert.equal(calls[2]!.body!.reason, "Preempted");
  assert.equal(calls[2]!.body!.message, "Preempted by ns/high on node n2");
});
