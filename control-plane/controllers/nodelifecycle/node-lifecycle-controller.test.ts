import assert from "node:assert/strict";
import { test } from "node:test";
import type { V1Node, V1Pod, V1Toleration } from "@kubernetes/client-node";
import { FakeClock } from "../clock.ts";
import type { Reconciler } from "../controller-loop.ts";
import { FakeApi } from "../fake-api.ts";
import { pod } from "../test-support.ts";
import { NodeLifecycleController, skiffNodeLifecycle } from "./node-lifecycle-controller.ts";
import { TaintEvictionController } from "./taint-eviction-controller.ts";

const iso = (ms: number): Date => new Date(ms).toISOString() as unknown as Date;
const defaultTolerations: V1Toleration[] = [
  { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 2 },
  { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 2 },
];

class World {
  readonly clock = new FakeClock();
  readonly api = new FakeApi(this.clock);
  readonly lifecycle = new NodeLifecycleController(this.api, this.clock, skiffNodeLifecycle);
  readonly eviction = new TaintEvictionController(this.api, this.clock);
  /** Nodes whose kubelet is alive: each step renews their Lease and reports Ready=True. */
  readonly alive = new Set<string>();

  addNode(name: string, zone?: string): void {
    const node: V1Node = {
      metadata: { name, labels: zone === undefined ? {} : { "topology.kubernetes.io/zone": zone } },
      status: { conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", lastHeartbeatTime: iso(this.clock.now()) }] },
    };
    this.api.seed("nodes", node);
    this.api.seed("leases", { metadata: { name, namespace: "kube-node-lease" }, spec: { holderIdentity: name, leaseDurationSeconds: 4, renewTime: iso(this.clock.now()) } });
    this.alive.add(name);
  }

  addPod(name: string, nodeName: string, tolerations: V1Toleration[] = defaultTolerations): void {
    const p: V1Pod = pod(name, { app: "x" }, { spec: { nodeName, tolerations, containers: [{ name: "c", image: "demo:1" }] } });
    p.status = { phase: "Running", conditions: [{ type: "Ready", status: "True" }] };
    this.api.seed("pods", p);
  }

  /** What a kubelet does: renew the Lease, and put Ready back to True if the controller changed it. */
  private heartbeats(): void {
    for (const name of this.alive) {
      this.api.mutate("leases", "kube-node-lease", name, (l) => (l.spec!.renewTime = iso(this.clock.now())));
      const ready = this.api.stored("nodes", "", name)?.status?.conditions?.find((c) => c.type === "Ready");
      if (ready?.status !== "True") {
        this.api.mutate("nodes", "", name, (n) => (n.status!.conditions = [{ type: "Ready", status: "True", reason: "KubeletReady", lastHeartbeatTime: iso(this.clock.now()) }]));
      }
    }
  }

  private async drain(): Promise<void> {
    for (let i = 0; i < 10_000; i++) {
      const r = ([this.lifecycle, this.eviction] as Reconciler[]).find((x) => x.queue.length > 0);
      if (r === undefined) return;
      const key = (await r.queue.get())!;
      try {
        const result = await r.sync(key);
        if (result?.requeueAfterMs !== undefined) r.queue.addAfter(key, result.requeueAfterMs);
      } finally {
        r.queue.done(key);
      }
    }
    throw new Error("controllers did not settle");
  }

  /** Lets ms pass in steps of 250 ms: kubelets beat, due syncs run. */
  async run(ms: number): Promise<void> {
    await this.drain();
    for (let t = 0; t < ms; t += 250) {
      this.heartbeats();
      this.clock.advance(250);
      await this.drain();
    }
  }

  node(name: string): V1Node {
    return this.api.stored("nodes", "", name)!;
  }

  taints(name: string): string[] {
    return (this.node(name).spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`).sort();
  }

  ready(name: string): string | undefined {
    return this.node(name).status?.conditions?.find((c) => c.type === "Ready")?.status;
  }

  pods(): string[] {
    return this.api
      .storedList("pods")
      .map((p) => p.metadata!.name!)
      .sort();
  }
}

test("a node silent past the grace period becomes Unknown, is tainted, and its pods go after their toleration seconds", async () => {
  const w = new World();
  w.addNode("a");
  w.addNode("b");
  w.addPod("tolerates-2s", "a");
  w.addPod("tolerates-none", "a", []);
  w.addPod("tolerates-forever", "a", [{ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" }]);
  w.addPod("on-b", "b");
  await w.run(10_000);
  assert.equal(w.ready("a"), "True");
  assert.deepEqual(w.taints("a"), []);

  w.alive.delete("a");
  await w.run(3500);
  assert.equal(w.ready("a"), "True", "silent for less than the 4 s grace period: nothing happens");
  assert.equal(w.pods().length, 4);
  await w.run(1000);
  assert.equal(w.ready("a"), "Unknown");
  assert.equal(w.node("a").status?.conditions?.[0]?.reason, "NodeStatusUnknown");
  assert.deepEqual(w.taints("a"), ["node.kubernetes.io/unreachable:NoExecute", "node.kubernetes.io/unreachable:NoSchedule"]);
  assert.deepEqual(w.pods(), ["on-b", "tolerates-2s", "tolerates-forever"], "a pod that tolerates nothing goes at once");
  const stillThere = w.api.stored("pods", "default", "tolerates-2s")!;
  assert.equal(stillThere.status?.conditions?.find((c) => c.type === "Ready")?.status, "False", "pods of an unreachable node are not Ready");
  await w.run(1500);
  assert.ok(w.pods().includes("tolerates-2s"), "not before its 2 s");
  await w.run(1000);
  assert.deepEqual(w.pods(), ["on-b", "tolerates-forever"]);
  assert.equal(w.ready("b"), "True");

  // The node comes back: Ready again (its kubelet writes it), taints lifted.
  w.alive.add("a");
  await w.run(1000);
  assert.equal(w.ready("a"), "True");
  assert.deepEqual(w.taints("a"), []);
  assert.equal(w.pods().length, 2);
});

test("a node that reports Ready=False gets the not-ready taints, swapped for unreachable when it then goes silent", async () => {
  const w = new World();
  w.addNode("a");
  w.addNode("b");
  w.addNode("c");
  await w.run(1000);
  w.alive.delete("a");
  w.api.mutate("nodes", "", "a", (n) => (n.status!.conditions = [{ type: "Ready", status: "False", reason: "KubeletNotReady", lastHeartbeatTime: iso(w.clock.now()) }]));
  await w.run(500);
  assert.deepEqual(w.taints("a"), ["node.kubernetes.io/not-ready:NoExecute", "node.kubernetes.io/not-ready:NoSchedule"]);
  await w.run(5000);
  assert.equal(w.ready("a"), "Unknown");
  assert.deepEqual(w.taints("a"), ["node.kubernetes.io/unreachable:NoExecute", "node.kubernetes.io/unreachable:NoSchedule"]);
});

test("eviction rate: a second silent node waits for the zone's next token (0.1 nodes/s)", async () => {
  const w = new World();
  for (const n of ["a", "b", "c", "d", "e"]) w.addNode(n);
  await w.run(1000);
  w.alive.delete("a");
  w.alive.delete("b");
  await w.run(5000);
  const noExecute = (n: string): boolean => w.taints(n).some((t) => t.endsWith(":NoExecute"));
  assert.equal([noExecute("a"), noExecute("b")].filter(Boolean).length, 1, "one node tainted at once");
  assert.ok(w.taints("a").includes("node.kubernetes.io/unreachable:NoSchedule") && w.taints("b").includes("node.kubernetes.io/unreachable:NoSchedule"), "NoSchedule is not rate-limited");
  await w.run(8000);
  assert.equal([noExecute("a"), noExecute("b")].filter(Boolean).length, 1);
  await w.run(3000);
  assert.ok(noExecute("a") && noExecute("b"), "the second after 10 s");
});

test("most nodes of a small zone silent at once (partial disruption): no NoExecute taint, no pod evicted", async () => {
  const w = new World();
  for (const n of ["a", "b", "c", "d", "e"]) w.addNode(n);
  w.addPod("p", "a");
  await w.run(1000);
  for (const n of ["a", "b", "c"]) w.alive.delete(n);
  await w.run(20_000);
  for (const n of ["a", "b", "c"]) {
    assert.equal(w.ready(n), "Unknown");
    assert.deepEqual(w.taints(n), ["node.kubernetes.io/unreachable:NoSchedule"]);
  }
  assert.deepEqual(w.pods(), ["p"]);
});

test("every node silent (the control plane is cut off): taints lifted, nothing evicted; one zone down among healthy ones evicts", async () => {
  const w = new World();
  w.addNode("a1", "z1");
  w.addNode("b1", "z2");
  w.addNode("b2", "z2");
  w.addPod("p", "a1", [{ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 10 }]);
  await w.run(1000);
  w.alive.delete("a1");
  await w.run(5000);
  assert.deepEqual(w.taints("a1"), ["node.kubernetes.io/unreachable:NoExecute", "node.kubernetes.io/unreachable:NoSchedule"], "zone z1 is fully down while z2 is healthy");
  w.alive.clear();
  await w.run(5000);
  for (const n of ["a1", "b1", "b2"]) assert.deepEqual(w.taints(n), ["node.kubernetes.io/unreachable:NoSchedule"], n);
  await w.run(10_000);
  assert.deepEqual(w.pods(), ["p"], "the taint was lifted before the pod's 10 s ran out");
});
