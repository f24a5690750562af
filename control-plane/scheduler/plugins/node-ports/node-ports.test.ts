import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { newPodInfo } from "../../framework/pod-info.ts";
import { Code } from "../../framework/status.ts";
import { CycleState } from "../../framework/types.ts";
import type { Pod } from "../../kube-types.ts";
import { cacheWith, makeNode, makePod } from "../../test-objects.ts";
import { NodePorts } from "./node-ports.ts";

function withPort(name: string, hostPort: number, extra: { hostIP?: string; protocol?: string; nodeName?: string } = {}): Pod {
  const pod = makePod(name, { nodeName: extra.nodeName });
  pod.spec!.containers[0]!.ports = [{ containerPort: 80, hostPort, hostIP: extra.hostIP, protocol: extra.protocol }];
  return pod;
}

function check(existing: Pod[], pod: Pod): string {
  const cache = cacheWith([makeNode("n")], existing);
  const plugin = new NodePorts();
  const state = new CycleState();
  const pi = newPodInfo(pod);
  if (plugin.preFilter(state, pi).code === Code.Skip) return "skipped";
  const s = plugin.filter(state, pi, cache.nodeInfo("n")!);
  return s.code === Code.Success ? "ok" : s.reasons.join();
}

describe("NodePorts", () => {
  it("rejects a host port already taken on the node", () => {
    assert.equal(check([withPort("a", 8080, { nodeName: "n" })], withPort("b", 8080)), "node(s) didn't have free ports for the requested pod ports");
    assert.equal(check([withPort("a", 8080, { nodeName: "n" })], withPort("b", 8081)), "ok");
  });

  it("tells protocols and host IPs apart, with 0.0.0.0 overlapping all", () => {
    assert.equal(check([withPort("a", 53, { nodeName: "n", protocol: "UDP" })], withPort("b", 53)), "ok");
    assert.equal(check([withPort("a", 80, { nodeName: "n", hostIP: "10.0.0.1" })], withPort("b", 80, { hostIP: "10.0.0.2" })), "ok");
    assert.notEqual(check([withPort("a", 80, { nodeName: "n", hostIP: "10.0.0.1" })], withPort("b", 80)), "ok");
  });

  it("has nothing to check for pods without host ports", () => {
    assert.equal(check([withPort("a", 8080, { nodeName: "n" })], makePod("plain")), "skipped");
  });
});
