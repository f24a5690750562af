import assert from "node:assert/strict";
import { test } from "node:test";
import type { Iptables } from "./iptables.ts";
import { Proxier } from "./proxier.ts";

class FakeIptables implements Iptables {
  restored: string[] = [];
  hooks = new Set<string>();
  calls: string[][] = [];
  nat = "";
  async restore(text: string): Promise<void> {
    this.restored.push(text);
  }
  async run(args: string[]): Promise<number> {
    this.calls.push(args);
    const rule = [args[1], args[3], args[5]].join(" ");
    if (args[2] === "-C") return this.hooks.has(rule) ? 0 : 1;
    if (args[2] === "-I") this.hooks.add([args[1], args[3], args[6]].join(" "));
    return 0;
  }
  async save(): Promise<string> {
    return this.nat;
  }
}

const config = { serviceCidr: "10.96.0.0/16", nodeIp: "10.77.0.21" };

test("a burst of changes is one restore; hooks are added once", async () => {
  const ipt = new FakeIptables();
  const queued: (() => void)[] = [];
  const proxier = new Proxier(ipt, config, (run) => queued.push(run));
  const writes = [
    proxier.setService({ metadata: { name: "a", namespace: "x" }, spec: { clusterIP: "10.96.0.10", ports: [{ port: 80 }] } }),
    proxier.setEndpoints({ metadata: { name: "a", namespace: "x" }, subsets: [{ addresses: [{ ip: "10.244.1.2" }], ports: [{ port: 8080 }] }] }),
    proxier.setService({ metadata: { name: "b", namespace: "x" }, spec: { clusterIP: "10.96.0.11", ports: [{ port: 80 }] } }),
  ];
  assert.equal(queued.length, 1, "one write scheduled for the burst");
  queued.shift()!();
  await Promise.all(writes);
  assert.equal(ipt.restored.length, 1);
  assert.match(ipt.restored[0]!, /DNAT --to-destination 10\.244\.1\.2:8080/);
  assert.match(ipt.restored[0]!, /-d 10\.96\.0\.11\/32 .* has no endpoints/);
  assert.equal(ipt.hooks.size, 6);
  const again = proxier.deleteService("x", "b");
  queued.shift()!();
  await again;
  assert.equal(ipt.restored.length, 2);
  assert.doesNotMatch(ipt.restored[1]!, /10\.96\.0\.11/);
  assert.equal(ipt.calls.filter((c) => c[2] === "-I").length, 6, "hooks not added again");
});

test("a restarted agent takes over the chains it finds and deletes the stale ones", async () => {
  const ipt = new FakeIptables();
  ipt.nat = ":SKIFF-SERVICES - [0:0]\n:SKIFF-SVC-ABCDEFGHIJKLMNOP - [0:0]\n:DOCKER_OUTPUT - [0:0]\n";
  const proxier = new Proxier(ipt, config, (run) => run());
  await proxier.requestSync();
  assert.match(ipt.restored[0]!, /^-X SKIFF-SVC-ABCDEFGHIJKLMNOP$/m);
  assert.doesNotMatch(ipt.restored[0]!, /DOCKER_OUTPUT/);
});

test("a failed restore rejects the waiting callers", async () => {
  const ipt = new FakeIptables();
  ipt.restore = async () => {
    throw new Error("iptables-restore failed (1): line 3 failed");
  };
  const proxier = new Proxier(ipt, config, (run) => run());
  await assert.rejects(proxier.requestSync(), /line 3 failed/);
});
