// The node's registration, Lease and status posting against a recording
// fake of the API client: what is written, when, and how conflicts and
// an existing Node are handled.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ApiError } from "../../proto/kube/api-client.ts";
import { NodeHeartbeat, type NodeApi } from "./node-heartbeat.ts";

type Call = { method: string; path: string; body?: unknown; type?: string };

class FakeApi implements NodeApi {
  calls: Call[] = [];
  objects = new Map<string, Record<string, unknown>>();
  rv = 1;
  failNext: ApiError | undefined;

  private take(): void {
    const f = this.failNext;
    this.failNext = undefined;
    if (f !== undefined) throw f;
  }

  async get<T>(path: string): Promise<T> {
    this.calls.push({ method: "GET", path });
    const o = this.objects.get(path);
    if (o === undefined) throw new ApiError(404, "NotFound", `${path} not found`);
    return structuredClone(o) as T;
  }

  async create<T>(path: string, body: unknown): Promise<T> {
    this.calls.push({ method: "POST", path, body });
    this.take();
    const o = structuredClone(body) as { metadata: { name: string; uid?: string; resourceVersion?: string } };
    const at = `${path}/${o.metadata.name}`;
    if (this.objects.has(at)) throw new ApiError(409, "AlreadyExists", `${at} exists`);
    o.metadata.uid = `uid-${o.metadata.name}`;
    o.metadata.resourceVersion = String(this.rv++);
    this.objects.set(at, o);
    return structuredClone(o) as T;
  }

  async replace<T>(path: string, body: unknown): Promise<T> {
    this.calls.push({ method: "PUT", path, body });
    this.take();
    const o = structuredClone(body) as { metadata: { resourceVersion?: string } };
    const stored = this.objects.get(path) as { metadata: { resourceVersion?: string } } | undefined;
    if (stored === undefined) throw new ApiError(404, "NotFound", path);
    if (stored.metadata.resourceVersion !== o.metadata.resourceVersion) throw new ApiError(409, "Conflict", "modified");
    o.metadata.resourceVersion = String(this.rv++);
    this.objects.set(path, o as Record<string, unknown>);
    return structuredClone(o) as T;
  }

  async patch<T>(path: string, body: unknown, type?: string): Promise<T> {
    this.calls.push({ method: "PATCH", path, body, ...(type !== undefined ? { type } : {}) });
    this.take();
    return {} as T;
  }
}

const leasePath = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1";

function heartbeat(api: FakeApi, clock: { now: number }): NodeHeartbeat {
  return new NodeHeartbeat(api, {
    node: { nodeName: "n1", internalIp: "10.0.0.5", limits: { cpuMillis: 2000, memoryBytes: 2 ** 30 }, podCidr: "10.244.1.0/24" },
    leaseRenewMs: 2000,
    leaseDurationSeconds: 40,
    statusUpdateMs: 10_000,
    now: () => new Date(clock.now),
  });
}

test("registration creates the Node and posts its status through the status subresource", async () => {
  const api = new FakeApi();
  const clock = { now: Date.parse("2026-01-01T00:00:00Z") };
  await heartbeat(api, clock).register();
  assert.deepEqual(
    api.calls.map((c) => `${c.method} ${c.path}`),
    ["POST /api/v1/nodes", "PATCH /api/v1/nodes/n1/status"],
  );
  const node = api.calls[0]!.body as { spec: { podCIDR: string }; metadata: { labels: Record<string, string> } };
  assert.equal(node.spec.podCIDR, "10.244.1.0/24");
  assert.equal(node.metadata.labels["kubernetes.io/hostname"], "n1");
  const status = (api.calls[1]!.body as { status: { addresses: { type: string; address: string }[]; capacity: Record<string, string> } }).status;
  assert.equal(api.calls[1]!.type, "merge");
  assert.deepEqual(status.capacity, { cpu: "2000m", memory: "1048576Ki", pods: "110" });
  assert.equal(status.addresses.find((a) => a.type === "InternalIP")?.address, "10.0.0.5");
});

test("an existing Node (an earlier run) is patched, not recreated", async () => {
  const api = new FakeApi();
  api.objects.set("/api/v1/nodes/n1", { metadata: { name: "n1", resourceVersion: "1" } });
  await heartbeat(api, { now: 0 }).register();
  assert.deepEqual(
    api.calls.map((c) => `${c.method} ${c.path}`),
    ["POST /api/v1/nodes", "PATCH /api/v1/nodes/n1", "PATCH /api/v1/nodes/n1/status"],
  );
  assert.deepEqual((api.calls[1]!.body as { spec: unknown }).spec, { podCIDR: "10.244.1.0/24", podCIDRs: ["10.244.1.0/24"] });
});

test("status is posted again only on change or after a minute", async () => {
  const api = new FakeApi();
  const clock = { now: Date.parse("2026-01-01T00:00:00Z") };
  const hb = heartbeat(api, clock);
  await hb.register();
  clock.now += 10_000;
  assert.equal(await hb.postStatus(), false);
  clock.now += 50_000;
  assert.equal(await hb.postStatus(), true);
  assert.equal(api.calls.filter((c) => c.path.endsWith("/status")).length, 2);
});

test("the Lease is created once, then renewed with a later renewTime; a conflict makes the next renewal read it again", async () => {
  const api = new FakeApi();
  const clock = { now: Date.parse("2026-01-01T00:00:00Z") };
  const hb = heartbeat(api, clock);
  await hb.register();
  await hb.renewLease();
  const created = api.objects.get(leasePath) as { spec: { holderIdentity: string; renewTime: string; leaseDurationSeconds: number }; metadata: { ownerReferences: { kind: string; uid: string }[] } };
  assert.equal(created.spec.holderIdentity, "n1");
  assert.equal(created.spec.leaseDurationSeconds, 40);
  assert.equal(created.spec.renewTime, "2026-01-01T00:00:00.000000Z");
  assert.deepEqual(created.metadata.ownerReferences.map((o) => [o.kind, o.uid]), [["Node", "uid-n1"]]);

  clock.now += 2000;
  await hb.renewLease();
  assert.equal((api.objects.get(leasePath) as { spec: { renewTime: string } }).spec.renewTime, "2026-01-01T00:00:02.000000Z");

  // Someone else wrote the Lease: the renewal fails, the next one reads it and succeeds.
  (api.objects.get(leasePath) as { metadata: { resourceVersion: string } }).metadata.resourceVersion = "999";
  clock.now += 2000;
  await hb.renewLease();
  clock.now += 2000;
  await hb.renewLease();
  assert.equal((api.objects.get(leasePath) as { spec: { renewTime: string } }).spec.renewTime, "2026-01-01T00:00:06.000000Z");
  assert.equal(api.calls.filter((c) => c.method === "POST" && c.path.includes("leases")).length, 1, "created once");
});

test("a node the lifecycle controller marked Unknown posts Ready again; one that agrees posts nothing", async () => {
  const api = new FakeApi();
  const clock = { now: Date.parse("2026-01-01T00:00:00Z") };
  const hb = heartbeat(api, clock);
  await hb.register();
  const stored = api.objects.get("/api/v1/nodes/n1") as { status?: unknown };
  stored.status = { conditions: [{ type: "Ready", status: "True" }] };
  assert.equal(await hb.reassertReady(), false);
  stored.status = { conditions: [{ type: "Ready", status: "Unknown", reason: "NodeStatusUnknown" }] };
  const before = api.calls.filter((c) => c.path.endsWith("/status")).length;
  assert.equal(await hb.reassertReady(), true);
  const posts = api.calls.filter((c) => c.path.endsWith("/status"));
  assert.equal(posts.length, before + 1);
  const ready = (posts.at(-1)!.body as { status: { conditions: { type: string; status: string }[] } }).status.conditions.find((c) => c.type === "Ready");
  assert.equal(ready?.status, "True");
});
